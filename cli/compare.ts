import type { Command } from 'commander';

import { homeStores } from '../store/home-stores';
import { kilnHome } from '../store/paths';
import { collectRun, expandArguments, sweepRunIds, type CompareRun } from './compare-data';
import { cacheEntryReader, stepChangeLines, stepChanges } from './compare-steps';
import { chooseMetric, compareJson, compareTable, formatMetric, rankRuns, shownParams, tableMetrics } from './compare-table';
import { connect } from './connect';
import { printReportPath, writeSweepReport } from './report';
import { UserError } from './user-error';

interface CompareFlags {
  metric?: string;
  all?: boolean;
  json?: boolean;
  html?: boolean;
  out?: string;
}

async function compare(args: string[], flags: CompareFlags): Promise<void> {
  if (args.length === 0) throw new UserError('nothing to compare', 'name one or more runs or sweeps: `kiln compare RUN_A RUN_B`', 2);
  if (flags.out !== undefined && !flags.html) throw new UserError('--out is for the HTML page', 'add --html: `kiln compare RUN_A RUN_B --html --out DIR`', 2);
  const kiln = await connect((line) => console.error(line));
  try {
    if (flags.html) {
      printReportPath(await writeSweepReport(kiln, args, flags));
      return;
    }
    const ids = await expandArguments(args, (id) => sweepRunIds(kiln.client, id));
    const runs: CompareRun[] = [];
    for (const id of ids) runs.push(await collectRun(kiln.client, id));
    const ranking = chooseMetric(runs, flags.metric);
    const ranked = rankRuns(runs, ranking);
    const params = shownParams(runs, flags.all);
    // Step differences for two runs: how the second named differs from the first, whatever the ranking.
    const [a, b] = runs;
    const changes = runs.length === 2 ? await stepChanges(a!, b!, cacheEntryReader(homeStores(kilnHome()).cache)) : undefined;
    for (const run of runs) for (const note of run.notes) console.error(`kiln: ${run.runId}: ${note}`);

    if (flags.json) {
      console.log(JSON.stringify(compareJson(ranked, params, changes && { runId: b!.runId, steps: changes }), null, 2));
      return;
    }
    const lines = [compareTable(ranked, params, tableMetrics(runs, ranking, flags.all), ranking)];
    const best = ranking && ranked[0]!.metrics[ranking.metric];
    if (ranking && best !== undefined) {
      lines.push('', `* best by ${ranking.metric} (${ranking.higherIsBetter ? 'higher' : 'lower'} is better): ${ranked[0]!.runId} ${formatMetric(best)}`);
    }
    if (changes) lines.push('', ...stepChangeLines(changes, a!.runId, b!.runId));
    else if (runs.length > 2) lines.push('', 'name exactly two runs to see which steps differ and why');
    console.log(lines.join('\n'));
  } finally {
    await kiln.close();
  }
}

export function registerCompareCommand(program: Command): void {
  program
    .command('compare')
    .description('compare runs side by side: differing params, status, duration, evaluation and final training metrics; for two runs, which steps differ and why')
    .argument('[run-or-sweep...]', 'run ids; a sweep id stands for all its runs')
    .option('-m, --metric <name>', 'rank by this metric, best first (`evaluate.accuracy`, or `accuracy` when only one step has it); default: the first evaluation metric')
    .option('-a, --all', 'show every param, not only those that differ, and every training metric, not only loss and accuracy')
    .option('--json', 'print [{runId, params, status, durationMs, metrics, steps}] as JSON, best first')
    .option('--html', 'write the comparison as a self-contained HTML page instead (as `kiln report SWEEP` does): the table coloured by the metric, training curves overlaid, the metric against each param')
    .option('--out <dir>', 'with --html: directory for index.html (default: $KILN_HOME/reports/<sweep> or reports/compare-<hash>)')
    .action(compare);
}
