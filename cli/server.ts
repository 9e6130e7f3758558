import type { Command } from 'commander';

import { kilnHome } from '../store/paths';
import { isKilnServerError } from '../worker/server-errors';
import { readServerState, serverLogPath } from '../worker/server-state';
import { ensureServer, serverStatus, stopServer, type ServerInfo } from '../worker/temporal-server';
import { UserError } from './user-error';

/** Exit status of `kiln server status` when no server runs, distinct from 1 (an error). */
const NOT_RUNNING_EXIT = 3;

/** `kiln server start|status|stop`: the embedded Temporal dev server that kiln starts on demand. */
export function registerServerCommands(program: Command): void {
  const server = program
    .command('server')
    .description('manage the embedded Temporal dev server (kiln starts it when needed and it keeps running between commands)');

  server
    .command('start')
    .description('start the embedded Temporal dev server, or show the one already running')
    .action(() => reportingErrors(startCommand));

  server
    .command('status')
    .description(`show whether the embedded server is running (exit 0 if it is, ${NOT_RUNNING_EXIT} if not)`)
    .option('--json', 'print the status as JSON')
    .action((options: { json?: boolean }) => reportingErrors(() => statusCommand(options.json === true)));

  server
    .command('stop')
    .description('stop the embedded Temporal dev server (run history stays in $KILN_HOME/temporal.db)')
    .action(() => reportingErrors(stopCommand));
}

async function startCommand(): Promise<void> {
  const info = await ensureServer();
  if (info.external) {
    console.log(`TEMPORAL_ADDRESS is set: kiln uses the cluster at ${info.address} (namespace ${info.namespace}); no embedded server started.`);
    console.log(`  Web UI   ${info.uiUrl}`);
    return;
  }
  printInfo('Temporal dev server running', info);
}

async function statusCommand(json: boolean): Promise<void> {
  const status = await serverStatus(kilnHome());
  if (json) {
    console.log(JSON.stringify(status, null, 2));
  } else if (status.running && status.info) {
    printInfo('Temporal dev server running', status.info);
  } else {
    console.log(`Temporal dev server not running: ${status.reason ?? 'unknown reason'}`);
    console.log('  `kiln server start` starts it (kiln run does too).');
  }
  if (process.env.TEMPORAL_ADDRESS && !json) {
    console.log(`note: TEMPORAL_ADDRESS=${process.env.TEMPORAL_ADDRESS} is set, so kiln commands use that cluster instead.`);
  }
  if (!status.running) process.exitCode = NOT_RUNNING_EXIT;
}

async function stopCommand(): Promise<void> {
  const home = kilnHome();
  const state = await readServerState(home);
  const stopped = await stopServer(home);
  console.log(stopped ? `stopped the Temporal dev server (pid ${state?.pid ?? '?'})` : 'no embedded Temporal dev server was running');
}

function printInfo(title: string, info: ServerInfo): void {
  console.log(`${title} (pid ${info.pid ?? '?'})`);
  console.log(`  address  ${info.address}  (namespace ${info.namespace})`);
  console.log(`  Web UI   ${info.uiUrl}`);
  if (info.dbFile) console.log(`  data     ${info.dbFile}`);
  console.log(`  log      ${serverLogPath(kilnHome())}`);
}

/** A problem the user can fix becomes a UserError, which main prints as message and hint without a stack trace. */
async function reportingErrors(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (err) {
    if (isKilnServerError(err)) throw new UserError(err.what, err.hint);
    throw err;
  }
}
