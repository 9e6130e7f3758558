import { activityInfo, Context } from '@temporalio/activity';

import { invalidInput } from '../../activities/failures';
import { defineStep, type StepType } from '../../activities/step';

/** Fast step types registered only in tests, to drive the interpreter through every path. */
export interface FakeStepLog {
  events: Array<{ step: string; event: 'start' | 'end' | 'cancelled'; at: number; queue: string; attempt: number }>;
}

export function fakeSteps(log: FakeStepLog): Record<string, StepType> {
  const record = (step: string, event: 'start' | 'end' | 'cancelled') =>
    log.events.push({ step, event, at: Date.now(), queue: activityInfo().taskQueue, attempt: activityInfo().attempt });
  // Context.sleep ends early with the cancellation, as a real step stops at its next heartbeat.
  const sleep = (ms: number): Promise<void> => Context.current().sleep(ms);

  return {
    // Echo: waits `ms`, then outputs its `value` input.
    'test/echo@v1': defineStep(async ({ input, heartbeat }) => {
      record(input.stepId, 'start');
      const ms = Number(input.inputs.ms ?? 0);
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) {
        heartbeat();
        await sleep(Math.min(100, deadline - Date.now()));
      }
      record(input.stepId, 'end');
      return { value: input.inputs.value ?? null };
    }),
    // Sets the search attributes named in its `labels` input on the run (unknown names are ignored).
    'test/label@v1': defineStep(async ({ input, label }) => {
      record(input.stepId, 'start');
      for (const [name, value] of Object.entries(input.inputs.labels as Record<string, string>)) label(name, value);
      return { value: null };
    }),
    // Fails with InvalidInput (non-retryable) after `ms`.
    'test/reject@v1': defineStep(async ({ input }) => {
      record(input.stepId, 'start');
      await sleep(Number(input.inputs.ms ?? 0));
      throw invalidInput(`bad value ${JSON.stringify(input.inputs.value)}`, 'fix the value');
    }),
    // Fails with a plain (retryable) error until attempt `succeed_on`.
    'test/flaky@v1': defineStep(async ({ input, attempt }) => {
      record(input.stepId, 'start');
      if (attempt < Number(input.inputs.succeed_on)) throw new Error(`transient failure ${attempt}`);
      return { value: attempt };
    }),
    // Reports progress on `url` (as a download does), then never finishes: hits its timeout on every attempt.
    'test/stall@v1': defineStep(async ({ input, attempt, heartbeat }) => {
      record(input.stepId, 'start');
      heartbeat({ url: input.inputs.url, bytes: 1024 * attempt });
      await sleep(60_000);
      return {};
    }),
    // Heartbeats until cancelled; records the cancellation.
    'test/forever@v1': defineStep(async ({ input, heartbeat }) => {
      record(input.stepId, 'start');
      try {
        for (;;) {
          heartbeat({ step: input.stepId });
          await sleep(100);
        }
      } catch (error) {
        record(input.stepId, 'cancelled');
        throw error;
      }
    }),
  };
}
