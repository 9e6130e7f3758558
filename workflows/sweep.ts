// A parameter sweep as one durable run: one child pipeline run per combination of the matrix, at most `maxParallel`
// at once. The first run goes alone, so that the steps every run shares (those whose inputs do not depend on the
// swept params) run once and are cache hits in the others. A failed run does not stop the others unless `failFast`;
// cancelling the sweep cancels its runs.
import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  defineQuery,
  isCancellation,
  ParentClosePolicy,
  setHandler,
  startChild,
  upsertSearchAttributes,
} from '@temporalio/workflow';

import type { Json } from '../contract/json';
import { paramsText } from '../contract/params-text';
import type { Plan } from '../compiler/types';
import type { PipelineOptions } from './pipeline';
import { KilnParams, KilnPipeline, KilnPlanHash, KilnStatus, KilnSweep } from './search-attributes';

export interface SweepRunInput {
  runId: string;
  /** The swept params of this run (the others are the pipeline's own). */
  params: { [name: string]: Json };
  plan: Plan;
  /** `kiln resume SWEEP`: the run (and the runs it continued) whose finished steps and checkpoints this one takes up. */
  resumedFrom?: string[];
}

export interface SweepInput {
  sweepId: string;
  pipeline: string;
  runs: SweepRunInput[];
  maxParallel: number;
  failFast: boolean;
  options?: PipelineOptions;
}

export type SweepRunStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'skipped';

export interface SweepProgress {
  sweepId: string;
  pipeline: string;
  status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  runs: Array<{ runId: string; params: { [name: string]: Json }; status: SweepRunStatus; error?: string }>;
}

export const sweepProgressQuery = defineQuery<SweepProgress>('sweepProgress');

export async function sweepWorkflow(input: SweepInput): Promise<SweepProgress> {
  const progress: SweepProgress = {
    sweepId: input.sweepId,
    pipeline: input.pipeline,
    status: 'running',
    runs: input.runs.map((run) => ({ runId: run.runId, params: run.params, status: 'pending' })),
  };
  setHandler(sweepProgressQuery, () => progress);
  const scope = new CancellationScope();
  let stopping = false;

  const runOne = async (index: number): Promise<void> => {
    const run = input.runs[index]!;
    const state = progress.runs[index]!;
    if (stopping) {
      state.status = 'skipped';
      return;
    }
    state.status = 'running';
    try {
      const child = await startChild('pipelineWorkflow', {
        workflowId: run.runId,
        args: [run.plan, { ...input.options, ...(run.resumedFrom ? { resumedFrom: run.resumedFrom } : {}) }],
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        memo: { pipeline: run.plan.pipeline, planHash: run.plan.planHash, params: run.plan.params, sweep: input.sweepId, swept: run.params },
        typedSearchAttributes: [
          { key: KilnPipeline, value: run.plan.pipeline },
          { key: KilnPlanHash, value: run.plan.planHash },
          { key: KilnStatus, value: 'running' },
          { key: KilnSweep, value: input.sweepId },
          { key: KilnParams, value: paramsText(run.params) },
        ],
      });
      await child.result();
      state.status = 'succeeded';
    } catch (error) {
      state.status = isCancellation(error) ? 'cancelled' : 'failed';
      state.error = errorText(error);
      if (state.status === 'failed' && input.failFast) {
        stopping = true;
        scope.cancel();
      }
    }
  };

  await scope
    .run(async () => {
      if (input.runs.length === 0) return;
      await runOne(0);
      let next = 1;
      const lane = async (): Promise<void> => {
        while (next < input.runs.length) await runOne(next++);
      };
      await Promise.all(Array.from({ length: Math.max(1, Math.min(input.maxParallel, input.runs.length - 1)) }, lane));
    })
    .catch((error: unknown) => {
      if (!isCancellation(error)) throw error;
    });

  for (const run of progress.runs) if (run.status === 'pending') run.status = 'skipped';
  const cancelled = CancellationScope.current().consideredCancelled;
  const failed = progress.runs.filter((r) => r.status === 'failed');
  progress.status = cancelled ? 'cancelled' : failed.length > 0 ? 'failed' : 'succeeded';
  upsertSearchAttributes([{ key: KilnStatus, value: progress.status }]);
  if (cancelled) throw new CancelledFailure('sweep cancelled');
  if (failed.length > 0) {
    const what = failed.map((r) => `${r.runId} (${paramsText(r.params)})`).join(', ');
    throw ApplicationFailure.create({ type: 'SweepFailed', message: `${failed.length} of ${progress.runs.length} runs failed: ${what}`, nonRetryable: true, details: [progress] });
  }
  return progress;
}

function errorText(error: unknown): string {
  let e = error as { message?: string; cause?: unknown } | undefined;
  // A child's failure wraps the run's own: its innermost message says what went wrong.
  while (e?.cause) e = e.cause as typeof e;
  return e?.message ?? String(error);
}
