// Gathers a sweep report: the runs as `kiln compare` reads them (compare-data.ts), ranked and filtered as it shows
// them (compare-table.ts), plus each run's training logs and its place in the Temporal UI.
import type { Client } from '@temporalio/client';

import type { ServerInfo } from '../../worker/temporal-server';
import { collectRunAndReport, expandArguments, sweepRunIds } from '../compare-data';
import { chooseMetric, formatParam, rankRuns, shownParams, tableMetrics } from '../compare-table';
import { runUrl } from '../connect';
import { RUN_COLORS } from './sweep-charts';
import type { SweepReportData, SweepRun } from './sweep-types';

export interface SweepReportOptions {
  metric?: string;
  all?: boolean;
  now?: Date;
}

/** `steps=3 learning_rate=0.001`: a run's shown params, or its id when none differ; unique across the runs. */
function labels(runs: SweepRun['run'][], params: string[]): string[] {
  const base = runs.map((run) => (params.length === 0 ? run.runId : params.map((name) => `${name}=${formatParam(run.params[name])}`).join(' ')));
  return base.map((label, i) => (base.indexOf(label) === i && base.lastIndexOf(label) === i ? label : `${label} (${runs[i]!.runId})`));
}

/**
 * Reads the runs named (a sweep id stands for its runs, as in `kiln compare`). `sweepId` is set when the one argument
 * named a sweep. Runs keep their colours in the grid's order, then are ranked best first.
 */
export async function collectSweepReport(client: Client, server: ServerInfo, args: string[], options: SweepReportOptions = {}): Promise<SweepReportData> {
  const sweeps = new Map<string, string[]>();
  const ids = await expandArguments(args, async (id) => {
    const runs = await sweepRunIds(client, id);
    sweeps.set(id, runs);
    return runs;
  });
  const read = [];
  for (const id of ids) read.push(await collectRunAndReport(client, id));
  const compared = read.map((r) => r.run);
  const ranking = chooseMetric(compared, options.metric);
  const params = shownParams(compared, options.all);
  const names = labels(compared, params);
  const runs: SweepRun[] = read.map(({ run, report }, i) => ({
    run,
    label: names[i]!,
    color: RUN_COLORS[i % RUN_COLORS.length]!,
    training: report.training,
    uiUrl: runUrl(server, run.runId),
  }));
  const byId = new Map(runs.map((r) => [r.run.runId, r]));
  const sweepId = args.length === 1 && (sweeps.get(args[0]!)?.length ?? 0) > 0 ? args[0] : undefined;
  return {
    generatedAt: (options.now ?? new Date()).toISOString(),
    ...(sweepId ? { sweepId, sweepUrl: runUrl(server, sweepId) } : {}),
    ...(compared[0]?.pipeline ? { pipeline: compared[0].pipeline } : {}),
    runs: rankRuns(compared, ranking).map((run) => byId.get(run.runId)!),
    params,
    metrics: tableMetrics(compared, ranking, options.all),
    ...(ranking ? { ranking } : {}),
    notes: read.flatMap(({ run }) => run.notes.map((note) => `${run.runId}: ${note}`)),
  };
}
