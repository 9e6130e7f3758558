// What `kiln compare` knows of each run: its params, status, duration, evaluation and final training metrics, and
// per step its cache key. Read from Temporal and the store the way `kiln report` reads them (report/collect.ts).
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';

import type { Json } from '../contract/json';
import { homeStores } from '../store/home-stores';
import { kilnHome } from '../store/paths';
import { runStatus } from './list';
import { collectReport } from './report/collect';
import type { MetricsRow, ReportData } from './report/types';
import { UserError } from './user-error';

export interface CompareStep {
  type: string;
  status: string;
  cached: boolean;
  cacheKey?: string;
  durationMs?: number;
}

export interface CompareRun {
  runId: string;
  pipeline?: string;
  /** Every param of the run's plan (after `--set`). */
  params: { [name: string]: Json };
  /** As `kiln list` shows it: succeeded, failed, running, cancelled... */
  status: string;
  durationMs?: number;
  /** `<step>.<metric>`: each evaluation report's numbers, then the last train line of each training log. */
  metrics: { [name: string]: number };
  /** Steps with an evaluation report: their metrics rank the runs when `--metric` is not given. */
  evaluationSteps: string[];
  steps: { [id: string]: CompareStep };
  /** The plan's inputs of each step, for explaining a difference where there is no cache key. */
  inputs: { [id: string]: { [key: string]: Json } };
  /** Artifacts that could not be read (a deleted metrics log...): said, never fatal. */
  notes: string[];
}

/** Bookkeeping fields of a train line: how far and how fast, not how good. */
const NOT_TRAINING_METRICS = new Set(['step', 'epoch', 'elapsed', 'learning_rate', 'grad_norm', 'tokens_per_sec', 'examples_per_sec']);

/** The numbers of a training log's last train line (lines without `split` count as train lines). */
export function finalTrainingMetrics(rows: MetricsRow[]): { [name: string]: number } {
  const last = [...rows].reverse().find((row) => row.split === undefined || row.split === 'train');
  const out: { [name: string]: number } = {};
  for (const [name, value] of Object.entries(last ?? {})) {
    if (typeof value === 'number' && Number.isFinite(value) && !NOT_TRAINING_METRICS.has(name)) out[name] = value;
  }
  return out;
}

function millis(startedAt?: string, endedAt?: string, now = Date.now()): number | undefined {
  return startedAt ? (endedAt ? Date.parse(endedAt) : now) - Date.parse(startedAt) : undefined;
}

/** Reads one run; an id Temporal does not know is a UserError. */
export async function collectRun(client: Client, runId: string): Promise<CompareRun> {
  return (await collectRunAndReport(client, runId)).run;
}

/** collectRun, with the report data it was read from (the sweep report draws each run's training curves). */
export async function collectRunAndReport(client: Client, runId: string): Promise<{ run: CompareRun; report: ReportData }> {
  const description = await client.workflow
    .getHandle(runId)
    .describe()
    .catch((error: unknown) => {
      if (error instanceof WorkflowNotFoundError) {
        throw new UserError(`no run or sweep "${runId}"`, 'run ids are the workflow ids `kiln run` prints (a sweep id stands for its runs); `kiln list` shows recent runs');
      }
      throw error;
    });
  if (description.type !== 'pipelineWorkflow') {
    // A sweep whose runs are not visible yet (visibility lags a second), or any other workflow.
    throw new UserError(`"${runId}" is a ${description.type}, not a pipeline run, and no run carries KilnSweep = "${runId}"`, 'a sweep\'s runs appear a moment after they start: `kiln list --sweep ID` lists them');
  }
  // The store is handed in so that a shared store's object locations, which compare does not show, are not looked up.
  const data = await collectReport(client, runId, { store: homeStores(kilnHome()).store });
  const metrics: { [name: string]: number } = {};
  for (const evaluation of data.evaluations) {
    for (const { name, value } of evaluation.metrics) metrics[`${evaluation.step}.${name}`] = value;
  }
  for (const log of data.training) {
    for (const [name, value] of Object.entries(finalTrainingMetrics(log.rows))) metrics[`${log.step}.${name}`] ??= value;
  }
  const steps: CompareRun['steps'] = {};
  for (const step of data.run.steps) {
    const durationMs = millis(step.startedAt, step.endedAt);
    steps[step.id] = {
      type: step.type,
      status: step.status,
      cached: step.cached,
      ...(step.cacheKey ? { cacheKey: step.cacheKey } : {}),
      ...(durationMs === undefined ? {} : { durationMs }),
    };
  }
  const durationMs = millis(data.run.startedAt, data.run.endedAt);
  const run: CompareRun = {
    runId,
    ...(data.run.pipeline ? { pipeline: data.run.pipeline } : {}),
    params: data.plan?.params ?? {},
    status: runStatus(description),
    ...(durationMs === undefined ? {} : { durationMs }),
    metrics,
    evaluationSteps: data.evaluations.map((evaluation) => evaluation.step),
    steps,
    inputs: Object.fromEntries((data.plan?.steps ?? []).map((step) => [step.id, step.inputs])),
    notes: data.notes,
  };
  return { run, report: data };
}

/** Ids the dev server and kiln produce; anything else is not quoted into a visibility query. */
const QUERYABLE_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/;

/** Temporal's answer to a query on a search attribute it does not know: INVALID_ARGUMENT. */
function unknownAttribute(error: unknown): boolean {
  const code = (error as { cause?: { code?: unknown }; code?: unknown }).cause?.code ?? (error as { code?: unknown }).code;
  return code === 3 || /KilnSweep|INVALID_ARGUMENT/.test(error instanceof Error ? error.message : String(error));
}

/**
 * The runs of sweep `sweepId` (children carry the search attribute KilnSweep = the sweep id), oldest first; none
 * when no run carries it, or when the server does not know KilnSweep yet (the argument is then a run id only).
 */
export async function sweepRunIds(client: Client, sweepId: string): Promise<string[]> {
  if (!QUERYABLE_ID.test(sweepId)) return [];
  const runs: Array<{ id: string; start: number }> = [];
  try {
    for await (const info of client.workflow.list({ query: `KilnSweep = '${sweepId}'`, pageSize: 100 })) {
      // The sweep's own workflow, should it carry its id too, is not one of its runs.
      if (info.workflowId !== sweepId) runs.push({ id: info.workflowId, start: info.startTime.getTime() });
    }
  } catch (error) {
    if (unknownAttribute(error)) return [];
    throw error;
  }
  return runs.sort((a, b) => a.start - b.start || a.id.localeCompare(b.id)).map((r) => r.id);
}

/** Arguments to run ids, in order: a sweep id becomes its runs, anything else is a run id; each run once. */
export async function expandArguments(args: string[], sweepRuns: (id: string) => Promise<string[]>): Promise<string[]> {
  const ids: string[] = [];
  for (const arg of args) {
    const runs = await sweepRuns(arg);
    for (const id of runs.length > 0 ? runs : [arg]) if (!ids.includes(id)) ids.push(id);
  }
  return ids;
}
