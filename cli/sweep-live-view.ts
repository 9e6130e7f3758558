import cliProgress from 'cli-progress';

import type { Json } from '../contract/json';
import { paramsText } from '../contract/params-text';
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
  private readonly multibar = new cliProgress.MultiBar(
    {
      format: ' {id} {bar} {progress}  {details}',
      barsize: 12,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      autopadding: true,
      noTTYOutput: false,
    },
    cliProgress.Presets.shades_classic,
  );
  private readonly bars = new Map<string, cliProgress.SingleBar>();

  update(runs: SweepRunView[]): void {
    const width = Math.max(8, ...runs.map((r) => r.runId.length));
    for (const run of runs) {
      const steps = run.state?.steps ?? [];
      const total = Math.max(1, run.steps);
      const done = steps.filter((s) => s.status === 'succeeded').length;
      const running = steps.find((s) => s.status === 'running');
      const training = running && trainingOf(running);
      const doing = running ? [running.id, ...(training ? trainingPhrases(running, training) : [])].join(' ') : '';
      const details = [run.status, paramsText(run.params), doing].filter((part) => part !== '').join(' · ');
      const payload = { id: run.runId.padEnd(width), progress: `${done}/${run.steps}`, details };
      const bar = this.bars.get(run.runId);
      if (bar) {
        bar.setTotal(total);
        bar.update(done, payload);
      } else {
        this.bars.set(run.runId, this.multibar.create(total, done, payload));
      }
    }
  }

  stop(): void {
    this.multibar.stop();
  }
}
