import { ApplicationFailure } from '@temporalio/common';

import type { NonRetryableType } from '../compiler/failure-types';
import type { StepInput, StepResult } from '../compiler/types';
import type { ActivityDeps, StepActivity } from './deps';

/** Wrong input: the user must change the pipeline or the data. `hint` says how. */
export function invalidInput(message: string, hint?: string): ApplicationFailure {
  return nonRetryable('InvalidInput', message, hint);
}

export function nonRetryable(type: NonRetryableType, message: string, hint?: string): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message: hint ? `${message}\nhint: ${hint}` : message,
    nonRetryable: true,
  });
}

/**
 * A step activity whose errors pass through `toFailure` on the way out: library code (nlp/) throws its own typed
 * errors, and only the activity layer knows which of them are Temporal's non-retryable failures.
 */
export function translatingErrors(
  run: (deps: ActivityDeps, input: StepInput) => Promise<StepResult>,
  toFailure: (error: unknown, stepId: string) => unknown,
): (deps: ActivityDeps) => StepActivity {
  return (deps) => async (input) => {
    try {
      return await run(deps, input);
    } catch (error) {
      throw toFailure(error, input.stepId);
    }
  };
}
