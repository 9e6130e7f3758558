import type { Json } from '../../contract/json';
import type { Plan, PlanStep } from '../../compiler/types';

/** A hand-built Plan for interpreter tests: fake step types, fast retries, a queue of the test's own. */
export function fakeStep(id: string, type: string, inputs: { [key: string]: Json }, queue: string, extra: Partial<PlanStep> = {}): PlanStep {
  return {
    id,
    type,
    inputs,
    dependsOn: [],
    outputs: ['value'],
    cache: true,
    position: { line: 1, col: 1 },
    options: {
      taskQueue: queue,
      startToCloseTimeoutMs: 60_000,
      heartbeatTimeoutMs: 10_000,
      retry: { maxAttempts: 3, initialIntervalMs: 100, backoff: 1, maxIntervalMs: 100 },
    },
    ...extra,
  };
}

export function fakePlan(name: string, steps: PlanStep[]): Plan {
  return {
    apiVersion: 'kiln/v1',
    pipeline: name,
    params: {},
    steps,
    planHash: 'f'.repeat(64),
    source: { file: '/dev/null', dir: '/tmp', sha256: '0'.repeat(64) },
  };
}

export function ref(step: string, output = 'value'): Json {
  return { $ref: { step, output } };
}
