import type { Command } from 'commander';
import { register as registerTsxCjs } from 'tsx/cjs/api';

import { initBackend, type BackendChoice } from '../nlp/backend';
import { DEFAULT_BATCH } from '../serve/limits';
import { defaultModelLoader } from '../serve/load-model';
import { startServer, type RunningServer } from '../serve/server';
import { findRunningServer, removeServeState, writeServeState } from '../serve/state';
import { kilnHome } from '../store/paths';
import { checkSharedStore, homeStores } from '../store/home-stores';
import { UserError } from './user-error';

interface ServeFlags {
  host: string;
  port: number;
  maxBatch: number;
  batchWaitMs: number;
  backend: BackendChoice;
}

/** Requests in flight get this long to finish after SIGINT/SIGTERM. */
const SHUTDOWN_GRACE_MS = 10_000;

/** `kiln serve`: every model in the registry ($KILN_HOME/models) over HTTP, until SIGINT or SIGTERM. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve every registered model over HTTP: POST /v1/models/NAME[:VERSION|@ALIAS]/predict, .../fill-mask, .../embed, GET /v1/models, GET /healthz')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', integer('--port', 0, 65535), 8080)
    .option('--max-batch <n>', 'texts per forward pass', integer('--max-batch', 1, 1024), DEFAULT_BATCH.maxBatch)
    .option('--batch-wait-ms <ms>', 'how long a text waits for others to share its forward pass', integer('--batch-wait-ms', 0, 1000), DEFAULT_BATCH.maxWaitMs)
    .option('--backend <name>', 'tensor backend: auto, tfjs-node-gpu, tfjs-node, wasm or cpu', 'auto')
    .action((flags: ServeFlags) => serve(flags));
}

function integer(flag: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new UserError(`${flag} ${value}: expected a whole number from ${min} to ${max}`, undefined, 2);
    return n;
  };
}

async function serve(flags: ServeFlags): Promise<void> {
  const home = kilnHome();
  const running = await findRunningServer(home);
  if (running) {
    throw new UserError(`a kiln server already runs at ${running.url} (pid ${running.pid})`, `stop it with \`kill ${running.pid}\`, or use another KILN_HOME`);
  }
  // tfjs-core's gradient modules resolve only through require() (see nlp/backend.ts); bin/kiln registers tsx
  // for import() alone.
  registerTsxCjs();
  const backend = await initBackend(flags.backend);
  const stores = homeStores(home);
  await checkSharedStore(stores, (line) => console.log(`kiln serve: ${line}`));
  const { registry } = stores;
  let server: RunningServer;
  try {
    server = await startServer({
      host: flags.host,
      port: flags.port,
      registry,
      loadModel: defaultModelLoader(flags.backend),
      batch: { maxBatch: flags.maxBatch, maxWaitMs: flags.batchWaitMs },
      log: (line) => console.error(`${new Date().toISOString()} ${line}`),
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UserError(`${flags.host}:${flags.port} is already in use`, 'choose another port with --port, or stop what listens there');
    if (code === 'EADDRNOTAVAIL') throw new UserError(`cannot listen on ${flags.host}: no such local address`, 'use --host 127.0.0.1 or 0.0.0.0');
    throw error;
  }
  await writeServeState(home, {
    pid: process.pid,
    host: server.host,
    port: server.port,
    url: server.url,
    registry: registry.root,
    startedAt: new Date().toISOString(),
  });
  const names = await registry.names();
  console.log(`kiln serve: listening on ${server.url} (backend ${backend.name}, ${names.length} model${names.length === 1 ? '' : 's'} in ${registry.root})`);
  for (const name of names) console.log(`  ${server.url}/v1/models/${name}/...`);
  await untilSignal();
  console.log('kiln serve: shutting down (requests in flight finish first)');
  const timer = setTimeout(() => {
    console.error(`kiln serve: requests still running after ${SHUTDOWN_GRACE_MS / 1000}s; exiting anyway`);
    process.exit(1);
  }, SHUTDOWN_GRACE_MS);
  timer.unref();
  await server.close();
  await removeServeState(home, process.pid);
  clearTimeout(timer);
}

/** Resolves on the first SIGINT or SIGTERM; a second one exits at once. */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const onSignal = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
