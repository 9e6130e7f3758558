import type { Command } from 'commander';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';

import type { ServerInfo } from '../worker/temporal-server';
import { KilnParams, KilnPipeline, KilnPlanHash, KilnStatus } from '../workflows/search-attributes';
import { connect, runUrl } from './connect';
import { duration } from './render';
import { UserError } from './user-error';

/** The values pipelineWorkflow publishes as KilnStatus. */
export const RUN_STATUSES = ['running', 'succeeded', 'failed', 'cancelled'] as const;

export interface RunSummary {
  /** The workflow id. */
  runId: string;
  status: string;
  pipeline?: string;
  planHash?: string;
  /** A sweep run's swept params, `name=value ...`. */
  params?: string;
  startedAt: string;
  endedAt?: string;
  url: string;
}

/**
 * KilnStatus as the workflow published it, except for runs that ended without publishing (terminated, timed out):
 * those show Temporal's status, so a killed run never reads "running".
 */
export function runStatus(info: Pick<WorkflowExecutionInfo, 'status' | 'typedSearchAttributes'>): string {
  const kiln = info.typedSearchAttributes.get(KilnStatus);
  if (info.status.name === 'RUNNING') return kiln ?? 'running';
  if (kiln && kiln !== 'running') return kiln;
  return info.status.name.toLowerCase().replace('_', '-');
}

export function runSummary(info: WorkflowExecutionInfo, server: ServerInfo): RunSummary {
  return {
    runId: info.workflowId,
    status: runStatus(info),
    pipeline: info.typedSearchAttributes.get(KilnPipeline),
    planHash: info.typedSearchAttributes.get(KilnPlanHash),
    ...(info.typedSearchAttributes.get(KilnParams) ? { params: info.typedSearchAttributes.get(KilnParams) } : {}),
    startedAt: info.startTime.toISOString(),
    endedAt: info.closeTime?.toISOString(),
    url: runUrl(server, info.workflowId),
  };
}

const PIPELINE_NAME = /^[a-z][a-z0-9-]{0,62}$/;
const SWEEP_ID = /^[a-z][a-z0-9-]{0,62}-sweep-[0-9a-z]{8}$/;

/** The visibility query for `kiln list`; values are checked first, so quoting them is enough. */
export function runsQuery(filter: { pipeline?: string; status?: string; sweep?: string }): string {
  const clauses = [`WorkflowType = 'pipelineWorkflow'`];
  if (filter.sweep !== undefined) {
    if (!SWEEP_ID.test(filter.sweep)) throw new UserError(`--sweep "${filter.sweep}" is not a sweep id`, 'a sweep id reads <pipeline>-sweep-<8 characters>, as `kiln run` printed it', 2);
    clauses.push(`KilnSweep = '${filter.sweep}'`);
  }
  if (filter.pipeline !== undefined) {
    if (!PIPELINE_NAME.test(filter.pipeline)) {
      throw new UserError(`--pipeline "${filter.pipeline}" is not a pipeline name`, 'names are lowercase letters, digits and dashes, as in the YAML `name:`', 2);
    }
    clauses.push(`KilnPipeline = '${filter.pipeline}'`);
  }
  if (filter.status !== undefined) {
    if (!(RUN_STATUSES as readonly string[]).includes(filter.status)) {
      throw new UserError(`--status "${filter.status}" is not a run status`, `use one of ${RUN_STATUSES.join(', ')}`, 2);
    }
    clauses.push(`KilnStatus = '${filter.status}'`);
  }
  return clauses.join(' AND ');
}

/**
 * Runs matching `query`, newest (by start time) first, at most `limit`. SQL visibility stores (the dev server)
 * refuse ORDER BY and return open runs first, then closed ones by close time, newest first; so the list is sorted
 * here, and reading stops at the first closed run that closed before the limit-th newest start seen so far: every
 * later run started before it closed, so none of them can be newer.
 */
export async function listRuns(client: Client, server: ServerInfo, query: string, limit: number): Promise<RunSummary[]> {
  const runs: RunSummary[] = [];
  const starts: number[] = []; // newest first
  for await (const info of client.workflow.list({ query, pageSize: 100 })) {
    if (info.closeTime && starts.length >= limit && info.closeTime.getTime() < starts[limit - 1]!) break;
    runs.push(runSummary(info, server));
    const start = info.startTime.getTime();
    const at = starts.findIndex((s) => s < start);
    starts.splice(at === -1 ? starts.length : at, 0, start);
  }
  return runs.sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt)).slice(0, limit);
}

function table(runs: RunSummary[]): string {
  const width = Math.max(6, ...runs.map((r) => r.runId.length));
  const withParams = runs.some((r) => r.params);
  const pwidth = Math.max(6, ...runs.map((r) => r.params?.length ?? 0));
  const header = `${'RUN'.padEnd(width)}  ${'STATUS'.padEnd(10)}  ${withParams ? `${'PARAMS'.padEnd(pwidth)}  ` : ''}${'STARTED'.padEnd(24)}  ${'TOOK'.padEnd(8)}  TEMPORAL UI`;
  const rows = runs.map((r) =>
    [r.runId.padEnd(width), r.status.padEnd(10), ...(withParams ? [(r.params ?? '').padEnd(pwidth)] : []), r.startedAt.padEnd(24), duration(r.startedAt, r.endedAt).padEnd(8), r.url].join('  '),
  );
  return [header, ...rows].join('\n');
}

interface ListFlags {
  sweep?: string;
  pipeline?: string;
  status?: string;
  limit: string;
  json?: boolean;
}

async function list(flags: ListFlags): Promise<void> {
  const limit = Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UserError(`--limit "${flags.limit}" is not a positive integer`, 'for example: --limit 50', 2);
  const query = runsQuery(flags);
  const kiln = await connect((line) => console.error(line));
  try {
    const runs = await listRuns(kiln.client, kiln.server, query, limit);
    if (flags.json) console.log(JSON.stringify(runs, null, 2));
    else if (runs.length === 0) console.log('no runs match (a run started a moment ago can take a second to appear)');
    else console.log(table(runs));
  } finally {
    await kiln.close();
  }
}

export function registerListCommand(program: Command): void {
  program
    .command('list')
    .description('list runs, newest first, filtered by pipeline and status (Temporal search attributes)')
    .option('-p, --pipeline <name>', 'only runs of this pipeline')
    .option('-s, --status <status>', `only runs in this state: ${RUN_STATUSES.join(', ')}`)
    .option('--sweep <id>', "only the runs of this sweep (`kiln run` of a pipeline with a matrix prints its id), with their params")
    .option('-n, --limit <n>', 'at most this many runs', '20')
    .option('--json', 'print [{runId, status, pipeline, planHash, params?, startedAt, endedAt, url}] as JSON')
    .action(list);
}
