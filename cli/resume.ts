import fs from 'node:fs/promises';

import type { Command } from 'commander';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import proto from '@temporalio/proto';

import { sha256Hex } from '../compiler/canonical';
import type { Sweep } from '../compiler/matrix';
import type { Json } from '../contract/json';
import { homeStores } from '../store/home-stores';
import { kilnHome } from '../store/paths';
import { isArtifactRef } from '../store/types';
import type { SweepInput } from '../workflows/sweep';
import { connect } from './connect';
import { executeRun } from './execute-run';
import { executeSweep } from './execute-sweep';
import { readRunInput, readRunState, type StepState } from './run-state';
import { UserError } from './user-error';

const RESUMABLE = new Set(['FAILED', 'CANCELLED', 'TERMINATED', 'TIMED_OUT']);
const { TaskQueueKind, TaskQueueType } = proto.temporal.api.enums.v1;
/** A live worker long-polls for about a minute at a time; a poller silent for longer has gone away. */
const POLLER_FRESH_MS = 90_000;

interface ResumeOptions {
  planFromRun?: boolean;
  cache: boolean;
  detach?: boolean;
  json?: boolean;
}

/** Finished steps whose artifacts are all still in the store and intact: those the new run reuses. */
async function reusableSteps(steps: StepState[], say: (line: string) => void): Promise<{ [id: string]: { [name: string]: Json } }> {
  const { store } = homeStores(kilnHome());
  const reuse: { [id: string]: { [name: string]: Json } } = {};
  for (const step of steps) {
    if (step.status !== 'succeeded' || !step.outputs) continue;
    const artifacts = Object.values(step.outputs).filter(isArtifactRef);
    const intact = await Promise.all(artifacts.map((ref) => store.verify(ref)));
    if (intact.every(Boolean)) reuse[step.id] = step.outputs;
    else say(`  step "${step.id}" finished, but its outputs are missing or corrupt in the store: it runs again`);
  }
  return reuse;
}

/**
 * Why a running run may be stuck: after `kill -9` of the `kiln run` whose in-process worker ran it, the run
 * stays RUNNING with no worker, and only a worker (or a cancel) moves it on. Asks the server who polls.
 */
async function stillRunningHint(client: Client, runId: string): Promise<string> {
  const restart = `start one with \`./bin/kiln worker\`, or \`kiln cancel ${runId}\` then \`kiln resume ${runId}\``;
  try {
    const taskQueue = (await client.workflow.getHandle(runId).describe()).taskQueue;
    const { pollers } = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType: TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    // The server lists a poller for minutes after its process died: only recent ones count.
    const live = (pollers ?? []).filter((p) => Date.now() - Number(p.lastAccessTime?.seconds ?? 0) * 1000 < POLLER_FRESH_MS);
    if (live.length > 0) return 'it is still going: follow it with `kiln status`';
    return `no worker is polling task queue ${taskQueue}, so its steps wait (was the \`kiln run\` that started it killed?): ${restart}`;
  } catch {
    return `it is still going: follow it with \`kiln status\`; if the \`kiln run\` that started it was killed, no worker may be polling: ${restart}`;
  }
}

async function resume(runId: string, options: ResumeOptions): Promise<void> {
  if (SWEEP_ID.test(runId)) return resumeSweep(runId, options);
  const say = options.json ? (line: string) => console.error(line) : (line: string) => console.log(line);
  const kiln = await connect(say);
  let input: Awaited<ReturnType<typeof readRunInput>>;
  let state: Awaited<ReturnType<typeof readRunState>>;
  let runningHint: string | undefined;
  try {
    state = await readRunState(kiln.client, runId);
    input = await readRunInput(kiln.client, runId);
    if (state.status === 'RUNNING') runningHint = await stillRunningHint(kiln.client, runId);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new UserError(`no run "${runId}"`, 'see `kiln status` for the latest run');
    throw error;
  } finally {
    await kiln.close();
  }
  if (!RESUMABLE.has(state.status)) {
    const hint = state.status === 'COMPLETED' ? 'it finished; `kiln run` the pipeline again (finished steps come from the cache)' : (runningHint ?? 'it is still going: follow it with `kiln status`');
    throw new UserError(`run ${runId} is ${state.status.toLowerCase()}: nothing to resume`, hint);
  }
  const { plan } = input;
  const current = await fs.readFile(plan.source.file).catch(() => undefined);
  if (!options.planFromRun && (!current || sha256Hex(current) !== plan.source.sha256)) {
    const what = current ? 'has changed' : 'is gone';
    throw new UserError(
      `${plan.source.file} ${what} since run ${runId} started`,
      'resume the run with the plan it started with: `kiln resume ' + runId + ' --plan-from-run`; or start afresh with `kiln run`',
      2,
    );
  }
  const reuse = await reusableSteps(state.steps, say);
  const reused = Object.keys(reuse);
  say(`resuming ${runId} (${state.status.toLowerCase()}): reusing ${reused.length ? reused.join(', ') : 'no steps'}`);
  const resumedFrom = [runId, ...(input.options.resumedFrom ?? [])];
  await executeRun(plan, { noCache: !options.cache, resumedFrom, reuse }, options);
}

const SWEEP_ID = /-sweep-[0-9a-z]{8}$/;

/**
 * `kiln resume SWEEP`: a new sweep of the same grid, each run continuing its predecessor (finished steps reused from
 * the cache, training from its checkpoints); runs that succeeded are cache hits throughout.
 */
async function resumeSweep(sweepId: string, options: ResumeOptions): Promise<void> {
  const kiln = await connect((line) => console.error(line));
  let input: SweepInput;
  let status: string;
  try {
    const handle = kiln.client.workflow.getHandle(sweepId);
    status = (await handle.describe()).status.name;
    const history = await handle.fetchHistory();
    const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    if (!payload) throw new UserError(`${sweepId} is not a sweep`, 'resume a run or a sweep that `kiln run` started');
    input = defaultPayloadConverter.fromPayload(payload) as SweepInput;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new UserError(`no sweep "${sweepId}"`, 'see `kiln list`');
    throw error;
  } finally {
    await kiln.close();
  }
  if (!RESUMABLE.has(status)) {
    const hint = status === 'COMPLETED' ? 'every run finished; `kiln run` the pipeline again (they come from the cache)' : 'it is still going: follow it with `kiln list --sweep ' + sweepId + '`';
    throw new UserError(`sweep ${sweepId} is ${status.toLowerCase()}: nothing to resume`, hint);
  }
  const sweep: Sweep = {
    pipeline: input.pipeline,
    runs: input.runs.map(({ params, plan }) => ({ params, plan })),
    maxParallel: input.maxParallel,
    failFast: input.failFast,
    sweepHash: '',
  };
  const resumedFrom = input.runs.map((run) => [run.runId, ...(run.resumedFrom ?? [])]);
  console.error(`resuming sweep ${sweepId} (${status.toLowerCase()}): ${input.runs.length} runs, each continuing its predecessor`);
  await executeSweep(sweep, { noCache: !options.cache, detach: options.detach, json: options.json, resumedFrom });
}

export function registerResumeCommand(program: Command): void {
  program
    .command('resume')
    .description('continue a failed, cancelled or terminated run (or sweep): a new run of the same plan that reuses finished steps and continues training from its checkpoints')
    .argument('<run>', 'the run or sweep to continue')
    .option('--plan-from-run', 'use the plan stored in the run even if the pipeline file changed since')
    .option('--no-cache', 'steps that did not finish run afresh, without the cache')
    .option('-d, --detach', 'start the new run and return at once')
    .option('--json', 'print the final run state as JSON on stdout')
    .action(resume);
}
