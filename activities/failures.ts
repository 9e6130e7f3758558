import { ApplicationFailure } from '@temporalio/common';

import type { NonRetryableType } from '../contract/failure-types';

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
