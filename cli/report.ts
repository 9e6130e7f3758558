import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import type { Command } from 'commander';
import { WorkflowNotFoundError } from '@temporalio/client';

import { writeFileAtomic } from '../store/atomic';
import { kilnHome } from '../store/paths';
import { sweepRunIds } from './compare-data';
import { connect, runUrl, type Connected } from './connect';
import { collectReport } from './report/collect';
import { renderReport } from './report/html';
import { collectSweepReport, type SweepReportOptions } from './report/sweep-collect';
import { renderSweepReport } from './report/sweep-html';
import { UserError } from './user-error';

async function writeIndex(dir: string, html: string): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, 'index.html');
  await writeFileAtomic(file, html);
  return file;
}

async function runReport(kiln: Connected, runId: string, out?: string): Promise<string> {
  const data = await collectReport(kiln.client, runId, { uiUrl: runUrl(kiln.server, runId) }).catch((error: unknown) => {
    if (error instanceof WorkflowNotFoundError) {
      throw new UserError(`no run "${runId}"`, "run ids are the workflow ids `kiln run` prints (a sweep id reports the sweep); `kiln status` shows the latest");
    }
    throw error;
  });
  return writeIndex(path.resolve(out ?? path.join(kilnHome(), 'reports', runId)), await renderReport(data));
}

/**
 * Writes the sweep report of the runs named (a sweep id stands for its runs) to `<out>/index.html`; by default
 * `$KILN_HOME/reports/<sweep>/`, or `reports/compare-<hash of the run ids>/` for runs named one by one.
 */
export async function writeSweepReport(kiln: Connected, args: string[], options: SweepReportOptions & { out?: string } = {}): Promise<string> {
  const data = await collectSweepReport(kiln.client, kiln.server, args, options);
  for (const note of data.notes) console.error(`kiln: ${note}`);
  const name = data.sweepId ?? `compare-${createHash('sha256').update(data.runs.map((r) => r.run.runId).sort().join('\n')).digest('hex').slice(0, 8)}`;
  return writeIndex(path.resolve(options.out ?? path.join(kilnHome(), 'reports', name)), await renderSweepReport(data));
}

/** Writes the report of a run, or of a sweep when runs carry `KilnSweep = <id>`, and returns its path. */
export async function writeRunReport(id: string, options: { out?: string; metric?: string } = {}): Promise<string> {
  const kiln = await connect((line) => console.error(line));
  try {
    const isSweep = (await sweepRunIds(kiln.client, id)).length > 0;
    return isSweep ? await writeSweepReport(kiln, [id], options) : await runReport(kiln, id, options.out);
  } finally {
    await kiln.close();
  }
}

export function printReportPath(file: string): void {
  console.log(`report written to ${file}`);
  console.log(`  ${pathToFileURL(file).href}`);
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('write a self-contained HTML report of a run (its DAG, steps, training curves, evaluation and deployed versions) or of a sweep (its runs as a table coloured by the metric, their training curves overlaid, the metric against each param)')
    .argument('<run-or-sweep>', 'run id (the workflow id printed by `kiln run`), or a sweep id')
    .option('--out <dir>', 'directory for index.html (default: $KILN_HOME/reports/<run-or-sweep>)')
    .option('-m, --metric <name>', 'for a sweep: rank and colour the runs by this metric, as `kiln compare --metric`; default: the first evaluation metric')
    .action(async (id: string, options: { out?: string; metric?: string }) => {
      printReportPath(await writeRunReport(id, options));
    });
}
