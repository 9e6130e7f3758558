import type { Command } from 'commander';

import { compilePipelineFile } from '../compiler/compile';
import { compileSweepFile } from '../compiler/matrix';
import { executeRun } from './execute-run';
import { collectMatrix, collectSet } from './options';

interface RunOptions {
  set?: Record<string, string>;
  matrix?: Record<string, string[]>;
  yes?: boolean;
  cache: boolean;
  detach?: boolean;
  json?: boolean;
}

async function runPipeline(file: string, options: RunOptions): Promise<void> {
  // A matrix (in the file or from --matrix) makes the run a sweep: one child run per combination.
  const sweep = await compileSweepFile(file, { set: options.set, matrix: options.matrix, yes: options.yes });
  if (sweep) {
    const { executeSweep } = await import('./execute-sweep');
    await executeSweep(sweep, { noCache: !options.cache, detach: options.detach, json: options.json });
    return;
  }
  const plan = await compilePipelineFile(file, { set: options.set });
  await executeRun(plan, { noCache: !options.cache }, options);
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('compile a pipeline and run it as a Temporal workflow, showing live step progress')
    .argument('<file>', 'pipeline YAML file')
    .option('--set <name=value>', 'override a param (repeatable); type-checked against its default', collectSet)
    .option('--matrix <name=v1,v2>', 'sweep a param over these values (repeatable; adds to or replaces the file\'s matrix): one run per combination', collectMatrix)
    .option('--yes', 'allow a sweep of more than 256 runs')
    .option('--no-cache', 'run every step, even those with a verified cached result')
    .option('-d, --detach', 'start the run and return at once (a worker must be running: `kiln worker`)')
    .option('--json', 'print the final run state as JSON on stdout (progress goes to stderr); a sweep prints {sweepId, status, runs: [{runId, params, status}]}')
    .addHelpText('after', '\nExit status: 0 when the run succeeds, 1 when it fails, 2 when the pipeline is invalid.')
    .action(runPipeline);
}
