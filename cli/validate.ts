import { readFile } from 'node:fs/promises';

import type { Command } from 'commander';

import { validatePipelineFile } from '../compiler/compile';
import { formatDiagnostics } from '../compiler/errors';
import { checkSweepSource } from '../compiler/matrix';

async function validate(files: string[]): Promise<void> {
  let invalid = 0;
  for (const file of files) {
    let diagnostics = await validatePipelineFile(file, { checkFiles: true });
    // A matrix: every combination's plan compiles too (its size is `kiln run`'s question, with --yes).
    if (diagnostics.length === 0) {
      const text = await readFile(file, 'utf8').catch(() => undefined);
      if (text !== undefined) diagnostics = checkSweepSource(text, file, { yes: true }).diagnostics;
    }
    if (diagnostics.length === 0) {
      console.log(`${file}: valid`);
    } else {
      invalid++;
      console.error(formatDiagnostics(diagnostics));
      console.error(`${file}: ${diagnostics.length} error${diagnostics.length === 1 ? '' : 's'}`);
    }
  }
  if (invalid > 0) process.exitCode = 2;
}

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description('check pipeline files against the schema and references; every error with FILE:LINE:COL')
    .argument('<files...>', 'pipeline YAML files')
    .addHelpText('after', '\nExit status: 0 when every file is valid, 2 otherwise.')
    .action(validate);
}
