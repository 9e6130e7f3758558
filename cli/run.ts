import type { Command } from 'commander';

import { compilePipelineFile } from '../compiler/compile';
import { executeRun } from './execute-run';
import { collectSet } from './options';

interface RunOptions {
  set?: Record<string, string>;
  cache: boolean;
  detach?: boolean;
  json?: boolean;
}

async function runPipeline(file: string, options: RunOptions): Promise<void> {
  const plan = await compilePipelineFile(file, { set: options.set });
  await executeRun(plan, { noCache: !options.cache }, options);
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('compile a pipeline and run it as a Temporal workflow, showing live step progress')
    .argument('<file>', 'pipeline YAML file')
    .option('--set <name=value>', 'override a param (repeatable); type-checked against its default', collectSet)
    .option('--no-cache', 'run every step, even those with a verified cached result')
    .option('-d, --detach', 'start the run and return at once (a worker must be running: `kiln worker`)')
    .option('--json', 'print the final run state as JSON on stdout (progress goes to stderr)')
    .addHelpText('after', '\nExit status: 0 when the run succeeds, 1 when it fails, 2 when the pipeline is invalid.')
    .action(runPipeline);
}
