import type { Client } from '@temporalio/client';

import type { LiveView } from './live-view';
import { readRunState, type RunState } from './run-state';
import { stepKey, stepLine, trainingLine } from './render';

/** Training progress is printed at most this often (plain lines: logs and pipes stay readable). */
const PROGRESS_EVERY_MS = 10_000;

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'TIMED_OUT', 'CONTINUED_AS_NEW']);

/** Poll a run, printing a line whenever a step changes state, until the run closes. */
export async function watchRun(
  client: Client,
  workflowId: string,
  print: (line: string) => void,
  intervalMs = 500,
  live?: LiveView,
): Promise<RunState> {
  // Between polls, wake as soon as the run closes: a short run should not wait out the interval.
  const closed = client.workflow
    .getHandle(workflowId)
    .result()
    .then(
      () => undefined,
      () => undefined,
    );
  const pause = () => Promise.race([new Promise((resolve) => setTimeout(resolve, intervalMs)), closed]);
  if (live) {
    try {
      for (;;) {
        const state = await readRunState(client, workflowId);
        live.update(state);
        if (TERMINAL.has(state.status)) return state;
        await pause();
      }
    } finally {
      live.stop();
    }
  }
  const seen = new Map<string, string>();
  const progressAt = new Map<string, number>();
  for (;;) {
    const state = await readRunState(client, workflowId);
    const width = Math.max(8, ...state.steps.map((s) => s.id.length));
    for (const step of state.steps) {
      const key = stepKey(step);
      if (seen.get(step.id) !== key && step.status !== 'pending') {
        seen.set(step.id, key);
        print(stepLine(step, width));
      }
      const progress = step.status === 'running' ? trainingLine(step, width) : undefined;
      if (progress && Date.now() - (progressAt.get(step.id) ?? 0) >= PROGRESS_EVERY_MS) {
        progressAt.set(step.id, Date.now());
        print(progress);
      }
    }
    if (TERMINAL.has(state.status)) return state;
    await pause();
  }
}
