import type { Client } from '@temporalio/client';

import { readRunState, type RunState } from './run-state';
import { stepKey, stepLine } from './render';

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'TIMED_OUT', 'CONTINUED_AS_NEW']);

/** Poll a run, printing a line whenever a step changes state, until the run closes. */
export async function watchRun(
  client: Client,
  workflowId: string,
  print: (line: string) => void,
  intervalMs = 500,
): Promise<RunState> {
  const seen = new Map<string, string>();
  for (;;) {
    const state = await readRunState(client, workflowId);
    const width = Math.max(8, ...state.steps.map((s) => s.id.length));
    for (const step of state.steps) {
      const key = stepKey(step);
      if (seen.get(step.id) !== key && step.status !== 'pending') {
        seen.set(step.id, key);
        print(stepLine(step, width));
      }
    }
    if (TERMINAL.has(state.status)) return state;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
