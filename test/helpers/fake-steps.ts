import { activityInfo, Context } from '@temporalio/activity';

import type { ActivityDeps, StepActivity } from '../../activities/deps';
import { invalidInput } from '../../activities/failures';

/** Fast step types registered only in tests, to drive the interpreter through every path. */
export interface FakeStepLog {
  events: Array<{ step: string; event: 'start' | 'end' | 'cancelled'; at: number; queue: string; attempt: number }>;
}

export function fakeSteps(log: FakeStepLog): Record<string, (deps: ActivityDeps) => StepActivity> {
  const record = (step: string, event: 'start' | 'end' | 'cancelled') =>
    log.events.push({ step, event, at: Date.now(), queue: activityInfo().taskQueue, attempt: activityInfo().attempt });

  return {
    // Echo: waits `ms`, then outputs its `value` input.
    'test/echo@v1': () => async (input) => {
      record(input.stepId, 'start');
      const ms = Number(input.inputs.ms ?? 0);
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) {
        Context.current().heartbeat();
        await Context.current().sleep(Math.min(100, deadline - Date.now()));
      }
      record(input.stepId, 'end');
      return { outputs: { value: input.inputs.value ?? null }, attempt: activityInfo().attempt };
    },
    // Fails with InvalidInput (non-retryable) after `ms`.
    'test/reject@v1': () => async (input) => {
      record(input.stepId, 'start');
      await Context.current().sleep(Number(input.inputs.ms ?? 0));
      throw invalidInput(`bad value ${JSON.stringify(input.inputs.value)}`, 'fix the value');
    },
    // Fails with a plain (retryable) error until attempt `succeed_on`.
    'test/flaky@v1': () => async (input) => {
      record(input.stepId, 'start');
      if (activityInfo().attempt < Number(input.inputs.succeed_on)) throw new Error(`transient failure ${activityInfo().attempt}`);
      return { outputs: { value: activityInfo().attempt }, attempt: activityInfo().attempt };
    },
    // Reports progress on `url` (as a download does), then never finishes: hits its timeout on every attempt.
    'test/stall@v1': () => async (input) => {
      record(input.stepId, 'start');
      Context.current().heartbeat({ url: input.inputs.url, bytes: 1024 * activityInfo().attempt });
      await Context.current().sleep(60_000);
      return { outputs: {}, attempt: activityInfo().attempt };
    },
    // Heartbeats until cancelled; records the cancellation.
    'test/forever@v1': () => async (input) => {
      record(input.stepId, 'start');
      try {
        for (;;) {
          Context.current().heartbeat({ step: input.stepId });
          await Context.current().sleep(100);
        }
      } catch (error) {
        record(input.stepId, 'cancelled');
        throw error;
      }
    },
  };
}
