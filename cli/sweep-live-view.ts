import type { Json } from '../contract/json';
import { paramsText } from '../contract/params-text';
import { ProgressBars } from './progress-bars';
import { trainingOf, trainingPhrases } from './render';
import type { RunState } from './run-state';

export interface SweepRunView {
  runId: string;
  params: { [name: string]: Json };
  status: string;
  /** Steps in its plan. */
  steps: number;
  /** The run's state once it has started (steps done, the step running and its training progress). */
  state?: RunState;
}

/**
 * The terminal view of a sweep: one redrawn line per run, its bar filling as its steps finish, with its params and
 * what it is doing now (the running step, and training progress from heartbeats). Only for a TTY.
 */
export class SweepLiveView {
  private readonly bars = new ProgressBars(12);

  update(runs: SweepRunView[]): void {
    const width = Math.max(8, ...runs.map((r) => r.runId.length));
    for (const run of runs) {
      const steps = run.state?.steps ?? [];
      const done = steps.filter((s) => s.status === 'succeeded').length;
      const running = steps.find((s) => s.status === 'running');
      const training = running && trainingOf(running);
      const doing = running ? [running.id, ...(training ? trainingPhrases(running, training) : [])].join(' ') : '';
      const details = [run.status, paramsText(run.params), doing].filter((part) => part !== '').join(' · ');
      this.bars.set(run.runId, Math.max(1, run.steps), done, { id: run.runId.padEnd(width), progress: `${done}/${run.steps}`, details });
    }
  }

  stop(): void {
    this.bars.stop();
  }
}
