import { Command, CommanderError } from 'commander';

import { CompileError, formatDiagnostics } from '../compiler/errors';
import { isKilnServerError } from '../worker/server-errors';
import { registerCancelCommand } from './cancel';
import { registerListCommand } from './list';
import { registerMetricsCommands } from './metrics';
import { registerPlanCommand } from './plan';
import { registerReportCommand } from './report';
import { registerResumeCommand } from './resume';
import { registerRunCommand } from './run';
import { registerScheduleCommands } from './schedule';
import { registerModelsCommand } from './models';
import { registerServeCommand } from './serve';
import { registerServerCommands } from './server';
import { registerStatusCommand } from './status';
import { registerStoreCommands } from './store';
import { registerTokenizeCommand } from './tokenize';
import { UserError } from './user-error';
import { registerValidateCommand } from './validate';
import { registerWorkerCommand } from './worker';

const program = new Command('kiln')
  .description('Declarative, durable NLP pipelines: YAML in, Temporal workflows out.')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

for (const register of [
  registerValidateCommand,
  registerPlanCommand,
  registerRunCommand,
  registerResumeCommand,
  registerStatusCommand,
  registerListCommand,
  registerReportCommand,
  registerCancelCommand,
  registerScheduleCommands,
  registerWorkerCommand,
  registerServerCommands,
  registerServeCommand,
  registerModelsCommand,
  registerMetricsCommands,
  registerTokenizeCommand,
  registerStoreCommands,
]) {
  register(program);
}

/** User errors end as a message and an exit status, never a stack trace. */
function report(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  if (error instanceof CompileError) {
    console.error(formatDiagnostics(error.diagnostics));
    return 2;
  }
  if (error instanceof UserError) {
    console.error(`kiln: ${error.message}`);
    if (error.hint) console.error(`  hint: ${error.hint}`);
    return error.exitCode;
  }
  if (isKilnServerError(error)) {
    console.error(`kiln: ${error.what}`);
    if (error.hint) console.error(`  hint: ${error.hint}`);
    return 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  console.error(`kiln: ${message}`);
  if (process.env.KILN_DEBUG) console.error(error);
  else console.error('  (set KILN_DEBUG=1 for the stack trace)');
  return 1;
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = report(error);
}
