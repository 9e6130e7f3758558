import type { Plan } from '../compiler/types';
import { checkSharedStore, homeStores } from '../store/home-stores';
import { kilnHome } from '../store/paths';
import { createWorkerPool } from '../worker/main';
import { previewCache } from './cache-preview';
import { connect, runUrl } from './connect';
import { duration } from './render';
import { resultLines } from './run-results';
import { startPipelineRun, type StartOptions } from './start-run';
import { LiveView } from './live-view';
import { watchRun } from './watch';

export interface ExecuteOptions {
  detach?: boolean;
  json?: boolean;
}

/**
 * The verified cache hits of a new run, found before it starts, so that a cached step costs no task round trip.
 * Embedded mode only: there this process is the worker, and the cache and the store are the ones it would read.
 */
async function withCacheHits(plan: Plan, start: StartOptions): Promise<StartOptions> {
  if (start.noCache || start.reuse) return start;
  const reuse: NonNullable<StartOptions['reuse']> = {};
  const cacheHits: NonNullable<StartOptions['cacheHits']> = {};
  for (const [stepId, preview] of await previewCache(plan)) {
    if (preview.state !== 'cached') continue;
    reuse[stepId] = preview.outputs;
    cacheHits[stepId] = { key: preview.key, producer: preview.producer };
  }
  return Object.keys(reuse).length > 0 ? { ...start, reuse, cacheHits } : start;
}

function queuesOf(plan: Plan, workflowQueue: string): string[] {
  return [...new Set([workflowQueue, ...plan.steps.map((step) => step.options.taskQueue)])];
}

/**
 * Start a run of `plan` and, unless detached, follow it to the end: on the embedded server this process is
 * also the worker. Sets the exit code: 0 succeeded, 1 failed or cancelled, 130 worker stopped by a signal.
 */
export async function executeRun(plan: Plan, start: StartOptions, options: ExecuteOptions): Promise<void> {
  // With --json, stdout carries only the final JSON; everything else goes to stderr.
  const say = options.json ? (line: string) => console.error(line) : (line: string) => console.log(line);
  const [kiln] = await Promise.all([connect(say), checkSharedStore(homeStores(kilnHome()), say)]);
  const workflowQueue = start.taskQueue ?? 'kiln';
  // Embedded mode: this process is the worker until the run ends. It starts while the run is being started:
  // loading the SDK's workflow runtime is most of a short run's wall time.
  const embedded = !kiln.server.external && !options.detach;
  const pool = embedded
    ? createWorkerPool({ address: kiln.server.address, namespace: kiln.server.namespace, queues: queuesOf(plan, workflowQueue), workflowQueues: [workflowQueue] })
    : undefined;
  // Marked handled now (it is awaited only after the run has started); its failure is reported there.
  pool?.catch(() => undefined);
  try {
    let runId: string;
    try {
      runId = await startPipelineRun(kiln.client, plan, embedded ? await withCacheHits(plan, start) : start);
    } catch (error) {
      // The pool never ran: start it and stop it at once, so that its connection closes.
      await pool?.then((p) => p.run(Promise.resolve()), () => undefined);
      throw error;
    }
    const steps = `${plan.steps.length} step${plan.steps.length === 1 ? '' : 's'}`;
    const resumed = start.resumedFrom?.length ? `, resuming ${start.resumedFrom[0]}` : '';
    say(`run ${runId} started (${steps}, plan ${plan.planHash.slice(0, 12)}${resumed})`);
    say(`  Temporal UI: ${runUrl(kiln.server, runId)}`);
    if (options.detach) {
      if (!kiln.server.external) say(`  it runs when a worker polls: start one with \`kiln worker\``);
      if (options.json) console.log(JSON.stringify({ runId, url: runUrl(kiln.server, runId) }));
      return;
    }
    let closed = false;
    // A terminal gets redrawn progress bars; pipes, logs and --json get plain lines.
    const live = process.stdout.isTTY && !options.json ? new LiveView() : undefined;
    const watching = watchRun(kiln.client, runId, (line) => say('  ' + line), 500, live).finally(() => (closed = true));
    if (pool) {
      await (await pool).run(watching.catch(() => undefined));
      if (!closed) {
        // The worker was stopped (Ctrl-C): the run itself is durable and waits for the next worker.
        say(`worker stopped; run ${runId} continues when a worker polls again (\`kiln worker\`)`);
        process.exitCode = 130;
        return;
      }
    }
    const final = await watching;
    if (options.json) console.log(JSON.stringify(final, null, 2));
    else say(`run ${runId} ${final.status.toLowerCase()} in ${duration(final.startedAt, final.endedAt)}`);
    if (final.status === 'COMPLETED') for (const line of resultLines(final, runUrl(kiln.server, runId))) say(`  ${line}`);
    if (final.failure) say(`  ${final.failure.replace(/\n/g, '\n  ')}`);
    if (final.status !== 'COMPLETED') {
      say(`  inspect it with \`kiln status ${runId}\`, continue it with \`kiln resume ${runId}\``);
      process.exitCode = 1;
    }
  } finally {
    await kiln.close();
  }
}
