import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { expect } from 'vitest';

import type { Json } from '../../contract/json';
import type { StepInput, StepResult } from '../../compiler/types';
import type { StepActivity } from '../../activities/deps';

/** Runs a step activity as Temporal would call it, outside a worker: attempt number, heartbeats collected. */
export async function runStepActivity(
  activity: StepActivity,
  step: { stepId: string; baseDir: string; inputs: { [key: string]: Json } },
  options: { attempt?: number; heartbeats?: unknown[] } = {},
): Promise<StepResult> {
  const env = new MockActivityEnvironment({ attempt: options.attempt ?? 1 }, { logger: new DefaultLogger('ERROR') });
  env.on('heartbeat', (details: unknown) => options.heartbeats?.push(details));
  const input: StepInput = { runId: 'r', workflowId: 'w', pipeline: 'test', cache: false, resumedFrom: [], ...step };
  return env.run(activity, input);
}

/** The ApplicationFailure a promise rejects with (and an assertion that it does). */
export async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}
