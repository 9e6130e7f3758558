// `kiln run` of a pipeline with a matrix: one sweep workflow, whose child runs are the grid's combinations. On the
// embedded server this process is the worker until the sweep ends; it prints a line whenever a run changes state.
import type { Client } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';

import type { Sweep } from '../compiler/matrix';
import { paramsText } from '../contract/params-text';
import { checkSharedStore, homeStores } from '../store/home-stores';
import { kilnHome } from '../store/paths';
import { createWorkerPool } from '../worker/main';
import { KilnPipeline, KilnStatus, KilnSweep } from '../workflows/search-attributes';
import { sweepProgressQuery, type SweepInput, type SweepProgress } from '../workflows/sweep';
import { connect, ensureSearchAttributes, runUrl } from './connect';
import { duration } from './render';
import { readRunState, type RunState } from './run-state';
import { SweepLiveView } from './sweep-live-view';
import { newRunId } from './start-run';

export interface SweepRunOptions {
  noCache?: boolean;
  detach?: boolean;
  json?: boolean;
}

export interface StartSweepOptions {
  noCache?: boolean;
  taskQueue?: string;
  /** Per run, in grid order: the earlier runs it continues (`kiln resume SWEEP`). */
  resumedFrom?: Array<string[] | undefined>;
}

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'TIMED_OUT']);

/** Starts the sweep; its id reads `<pipeline>-sweep-<8 chars>`, each run's as a run's does. */
export async function startSweep(client: Client, sweep: Sweep, options: StartSweepOptions = {}): Promise<SweepInput> {
  const input: SweepInput = {
    sweepId: newRunId(`${sweep.pipeline}-sweep`),
    pipeline: sweep.pipeline,
    runs: sweep.runs.map((run, i) => {
      const resumedFrom = options.resumedFrom?.[i];
      return { runId: newRunId(sweep.pipeline), params: run.params, plan: run.plan, ...(resumedFrom ? { resumedFrom } : {}) };
    }),
    maxParallel: sweep.maxParallel,
    failFast: sweep.failFast,
    options: { noCache: options.noCache },
  };
  await client.workflow.start('sweepWorkflow', {
    workflowId: input.sweepId,
    taskQueue: options.taskQueue ?? 'kiln',
    args: [input],
    memo: { pipeline: sweep.pipeline, sweepHash: sweep.sweepHash, runs: input.runs.map((r) => ({ runId: r.runId, params: r.params })) },
    typedSearchAttributes: new TypedSearchAttributes([
      { key: KilnPipeline, value: sweep.pipeline },
      { key: KilnSweep, value: input.sweepId },
      { key: KilnStatus, value: 'running' },
    ]),
  });
  return input;
}

async function sweepState(client: Client, sweepId: string): Promise<{ status: string; progress?: SweepProgress; startedAt?: Date; endedAt?: Date }> {
  const handle = client.workflow.getHandle(sweepId);
  const description = await handle.describe();
  const progress = await handle.query(sweepProgressQuery).catch(() => undefined);
  return { status: description.status.name, progress, startedAt: description.startTime, endedAt: description.closeTime };
}

/** Runs (or starts, with --detach) a sweep and sets the exit code: 0 every run succeeded, 1 otherwise. */
export async function executeSweep(sweep: Sweep, options: SweepRunOptions & Pick<StartSweepOptions, 'resumedFrom'>): Promise<void> {
  const say = options.json ? (line: string) => console.error(line) : (line: string) => console.log(line);
  const [kiln] = await Promise.all([connect(say), checkSharedStore(homeStores(kilnHome()), say)]);
  // A dev server started by an older kiln may lack the sweep's attributes: they are added, not assumed.
  await ensureSearchAttributes(kiln.connection, kiln.server.namespace, say);
  const embedded = !kiln.server.external && !options.detach;
  const queues = [...new Set(['kiln', ...sweep.runs.flatMap((run) => run.plan.steps.map((step) => step.options.taskQueue))])];
  const pool = embedded ? createWorkerPool({ address: kiln.server.address, namespace: kiln.server.namespace, queues, workflowQueues: ['kiln'] }) : undefined;
  pool?.catch(() => undefined);
  try {
    let input: SweepInput;
    try {
      input = await startSweep(kiln.client, sweep, { noCache: options.noCache, resumedFrom: options.resumedFrom });
    } catch (error) {
      await pool?.then((p) => p.run(Promise.resolve()), () => undefined);
      throw error;
    }
    say(`sweep ${input.sweepId} started (${input.runs.length} runs, at most ${input.maxParallel} at once${input.failFast ? ', fail_fast' : ''})`);
    say(`  Temporal UI: ${runUrl(kiln.server, input.sweepId)}`);
    if (options.detach) {
      if (options.json) console.log(JSON.stringify({ sweepId: input.sweepId, status: 'RUNNING', runs: input.runs.map(({ runId, params }) => ({ runId, params, status: 'pending' })) }));
      return;
    }
    // A terminal gets one redrawn line per run; pipes, logs and --json get a line per change.
    const live = process.stdout.isTTY && !options.json ? new SweepLiveView() : undefined;
    const watching = watchSweep(kiln.client, input, (line) => say(`  ${line}`), live);
    if (pool) await (await pool).run(watching.then(() => undefined, () => undefined));
    const final = await watching;
    const runs = input.runs.map((run, i) => ({ runId: run.runId, params: run.params, status: final.progress?.runs[i]?.status ?? 'unknown' }));
    if (options.json) console.log(JSON.stringify({ sweepId: input.sweepId, status: final.status, runs }, null, 2));
    else {
      say(`sweep ${input.sweepId} ${final.status.toLowerCase()} in ${duration(final.startedAt?.toISOString(), final.endedAt?.toISOString())}`);
      say(`  compare its runs: \`kiln compare ${input.sweepId}\``);
    }
    if (final.status !== 'COMPLETED') process.exitCode = 1;
  } finally {
    await kiln.close();
  }
}

/** Polls the sweep, printing a line per run whenever its status changes (or redrawing `live`), until it closes. */
async function watchSweep(client: Client, input: SweepInput, print: (line: string) => void, live?: SweepLiveView): Promise<Awaited<ReturnType<typeof sweepState>>> {
  const seen = new Map<string, string>();
  const width = Math.max(...input.runs.map((r) => r.runId.length));
  const states = new Map<string, RunState>();
  try {
    for (;;) {
      const state = await sweepState(client, input.sweepId);
      if (live) {
        const runs = state.progress?.runs ?? [];
        // Only the runs that are going (or just ended) are read again: a finished run's state does not change.
        for (const run of runs) {
          if (run.status === 'pending' || run.status === 'skipped') continue;
          if (run.status !== 'running' && states.get(run.runId)?.status !== 'RUNNING' && states.has(run.runId)) continue;
          const runState = await readRunState(client, run.runId).catch(() => undefined);
          if (runState) states.set(run.runId, runState);
        }
        live.update(runs.map((run, i) => ({ ...run, steps: input.runs[i]!.plan.steps.length, state: states.get(run.runId) })));
        if (TERMINAL.has(state.status)) return state;
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      for (const run of state.progress?.runs ?? []) {
        if (seen.get(run.runId) === run.status) continue;
        seen.set(run.runId, run.status);
        if (run.status === 'pending') continue;
        print(`${run.runId.padEnd(width)}  ${run.status.padEnd(9)}  ${paramsText(run.params)}${run.error ? `  ${run.error.split('\n')[0]}` : ''}`);
      }
      if (TERMINAL.has(state.status)) return state;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    live?.stop();
  }
}
