import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import type { Command } from 'commander';
import { WorkflowNotFoundError } from '@temporalio/client';

import { writeFileAtomic } from '../store/atomic';
import { kilnHome } from '../store/paths';
import { connect, runUrl } from './connect';
import { collectReport } from './report/collect';
import { renderReport } from './report/html';
import { UserError } from './user-error';

/** Writes `<out>/index.html` (default `$KILN_HOME/reports/<run>/`) and returns its path. */
export async function writeRunReport(runId: string, out?: string): Promise<string> {
  const kiln = await connect((line) => console.error(line));
  try {
    const data = await collectReport(kiln.client, runId, { uiUrl: runUrl(kiln.server, runId) }).catch((error: unknown) => {
      if (error instanceof WorkflowNotFoundError) {
        throw new UserError(`no run "${runId}"`, 'run ids are the workflow ids `kiln run` prints; `kiln status` shows the latest');
      }
      throw error;
    });
    const dir = path.resolve(out ?? path.join(kilnHome(), 'reports', runId));
    await fs.mkdir(dir, { recursive: true });
    const file = path.join(dir, 'index.html');
    await writeFileAtomic(file, await renderReport(data));
    return file;
  } finally {
    await kiln.close();
  }
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description("write a self-contained HTML report of a run: its DAG, steps, training curves, evaluation and deployed versions")
    .argument('<run>', 'run id (the workflow id printed by `kiln run`)')
    .option('--out <dir>', 'directory for index.html (default: $KILN_HOME/reports/<run>)')
    .action(async (runId: string, options: { out?: string }) => {
      const file = await writeRunReport(runId, options.out);
      console.log(`report written to ${file}`);
      console.log(`  ${pathToFileURL(file).href}`);
    });
}
