import { Command, CommanderError } from 'commander';

import { CompileError, formatDiagnostics } from '../compiler/errors';
import { ObjectStoreError } from '../store/remote/object-store';
import { LockTimeoutError } from '../system/file-lock';
import { isKilnServerError } from '../worker/server-errors';
import { UserError } from './user-error';

import packageJson from '../package.json' with { type: 'json' };

type Register = (program: Command) => void;

const { version } = packageJson;

/**
 * Every command, in help order, loaded only when needed: `kiln run` should not pay for TF.js, Vega or the HTTP
 * server before it starts. Help and unknown commands load them all.
 */
const COMMANDS: Array<[name: string, load: () => Promise<Register>]> = [
  ['validate', async () => (await import('./validate')).registerValidateCommand],
  ['plan', async () => (await import('./plan')).registerPlanCommand],
  ['run', async () => (await import('./run')).registerRunCommand],
  ['resume', async () => (await import('./resume')).registerResumeCommand],
  ['status', async () => (await import('./status')).registerStatusCommand],
  ['list', async () => (await import('./list')).registerListCommand],
  ['report', async () => (await import('./report')).registerReportCommand],
  ['compare', async () => (await import('./compare')).registerCompareCommand],
  ['cancel', async () => (await import('./cancel')).registerCancelCommand],
  ['schedule', async () => (await import('./schedule')).registerScheduleCommands],
  ['worker', async () => (await import('./worker')).registerWorkerCommand],
  ['server', async () => (await import('./server')).registerServerCommands],
  ['serve', async () => (await import('./serve')).registerServeCommand],
  ['models', async () => (await import('./models')).registerModelsCommand],
  ['embed', async () => (await import('./embed')).registerEmbedCommand],
  ['metrics', async () => (await import('./metrics')).registerMetricsCommands],
  ['tokenize', async () => (await import('./tokenize')).registerTokenizeCommand],
  ['store', async () => (await import('./store')).registerStoreCommands],
  ['setup', async () => (await import('./setup')).registerSetupCommands],
  ['doctor', async () => (await import('./setup')).registerDoctorCommand],
];

const program = new Command('kiln')
  .description('Declarative, durable NLP pipelines: YAML in, Temporal workflows out.')
  .version(version)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

async function registerCommands(argv: string[]): Promise<void> {
  const wanted = COMMANDS.find(([name]) => name === argv[2]);
  for (const [, load] of wanted ? [wanted] : COMMANDS) (await load())(program);
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
  if (error instanceof ObjectStoreError) {
    console.error(`kiln: ${error.message}`);
    if (error.hint) console.error(`  hint: ${error.hint}`);
    return 1;
  }
  if (isKilnServerError(error) || error instanceof LockTimeoutError) {
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
  await registerCommands(process.argv);
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = report(error);
}
