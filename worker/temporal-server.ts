import fs from 'node:fs/promises';

import { kilnHome } from '../store/paths';
import { KilnServerError } from './server-errors';
import { quoteLines, sleep } from '../system/processes';
import { externalServer } from './server-external';
import { describeHolder, withFileLock, type LockOptions } from '../system/file-lock';
import { choosePorts } from './server-ports';
import { lastStartOutput, spawnDevServer, terminateServer, type StartedProcess } from './server-process';
import {
  isDevServerProcess,
  readServerState,
  removeServerState,
  serverDbPath,
  serverLockPath,
  serverLogPath,
  serverStatePath,
  writeServerState,
  type ServerState,
} from './server-state';
import { findOrBuildTemporalBinary } from './temporal-binary';
import { probeServer } from './temporal-probe';

export interface ServerInfo {
  /** gRPC `host:port` for clients and workers. */
  address: string;
  namespace: string;
  uiUrl: string;
  /** True when TEMPORAL_ADDRESS names a cluster kiln does not manage. */
  external: boolean;
  pid?: number;
  dbFile?: string;
}

export interface EnsureServerOptions {
  /** Defaults to `KILN_HOME` from `env`, else ~/.kiln. */
  home?: string;
  log?: (message: string) => void;
  env?: NodeJS.ProcessEnv;
}

export interface ServerStatus {
  running: boolean;
  info?: ServerInfo;
  /** Why it is not running. */
  reason?: string;
}

/** The embedded server always has just the default namespace. */
const NAMESPACE = 'default';
const STARTUP_TIMEOUT_MS = 60_000;

/**
 * A Temporal server to talk to: the cluster in TEMPORAL_ADDRESS, else the dev server recorded in
 * `$KILN_HOME/server.json` if it still answers, else a newly started one (which outlives this process).
 */
export async function ensureServer(options: EnsureServerOptions = {}): Promise<ServerInfo> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  if (env.TEMPORAL_ADDRESS) return externalServer(env);

  const home = options.home ?? kilnHome(env);
  await fs.mkdir(home, { recursive: true });
  const running = await answeringServer(home, 2_000);
  if (running) return infoFrom(running);

  // Resolved outside the server lock: a first-time Go build takes minutes and has its own lock.
  const binary = await findOrBuildTemporalBinary({ log, env });
  return withServerLock(home, log, async () => {
    const started = await answeringServer(home, 5_000);
    if (started) return infoFrom(started);
    await stopRecorded(home, log);
    return infoFrom(await startServer({ home, env, log, binary }));
  });
}

/** Whether the embedded server of `home` is up and answering. */
export async function serverStatus(home: string = kilnHome()): Promise<ServerStatus> {
  const state = await readServerState(home);
  if (!state) return { running: false, reason: `no embedded Temporal server is recorded in ${serverStatePath(home)}` };
  if (!(await isDevServerProcess(state.pid))) {
    return { running: false, reason: `the server recorded in ${serverStatePath(home)} (pid ${state.pid}) is no longer running` };
  }
  const probe = await probeServer(addressOf(state), NAMESPACE, 3_000);
  if (!probe.answers) {
    return { running: false, reason: `pid ${state.pid} is running but ${addressOf(state)} does not answer: ${probe.error}` };
  }
  return { running: true, info: infoFrom(state) };
}

/** Stop the embedded server of `home`. Returns false when none was running. */
export async function stopServer(home: string = kilnHome()): Promise<boolean> {
  return withServerLock(home, () => undefined, () => stopRecorded(home));
}

async function stopRecorded(home: string, log?: (message: string) => void): Promise<boolean> {
  const state = await readServerState(home);
  if (!state) return false;
  const alive = await isDevServerProcess(state.pid);
  if (alive) {
    log?.(`the Temporal dev server (pid ${state.pid}) does not answer; restarting it`);
    await terminateServer(state.pid);
    if (await isDevServerProcess(state.pid)) {
      throw new KilnServerError(
        `could not stop the Temporal dev server (pid ${state.pid})`,
        `stop it by hand (kill -9 ${state.pid}), then delete ${serverStatePath(home)}`,
      );
    }
  }
  await removeServerState(home);
  return alive;
}

/** The recorded server if its process is ours and it answers within `timeoutMs`. */
async function answeringServer(home: string, timeoutMs: number): Promise<ServerState | undefined> {
  const state = await readServerState(home);
  if (!state || !(await isDevServerProcess(state.pid))) return undefined;
  const probe = await probeServer(addressOf(state), NAMESPACE, timeoutMs);
  return probe.answers ? state : undefined;
}

function withServerLock<T>(home: string, log: (message: string) => void, fn: () => Promise<T>): Promise<T> {
  const options: LockOptions = {
    waitMs: STARTUP_TIMEOUT_MS + 60_000,
    staleMs: STARTUP_TIMEOUT_MS + 120_000,
    what: 'to start or stop the Temporal dev server',
    onWait: (pid) => log(`${describeHolder(pid)} is starting or stopping the Temporal dev server; waiting for it…`),
  };
  return withFileLock(serverLockPath(home), options, fn);
}

interface StartOptions {
  home: string;
  env: NodeJS.ProcessEnv;
  log: (message: string) => void;
  binary: string;
}

async function startServer({ home, env, log, binary }: StartOptions): Promise<ServerState> {
  const { port, uiPort, notes } = await choosePorts(env);
  for (const note of notes) log(note);
  const dbFile = serverDbPath(home);
  const logFile = serverLogPath(home);
  log(`starting the Temporal dev server on 127.0.0.1:${port} (Web UI http://localhost:${uiPort}, data ${dbFile})…`);
  const proc = spawnDevServer({ binary, dbFile, port, uiPort, logFile, cwd: home, env });
  const state: ServerState = { pid: proc.pid, port, uiPort, dbFile, startedAt: new Date().toISOString() };
  await writeServerState(home, state);
  try {
    await waitUntilReady(proc, state, logFile);
  } catch (err) {
    await terminateServer(proc.pid, 2_000);
    await removeServerState(home);
    throw err;
  }
  return state;
}

/** Poll until the server answers and has the Kiln search attributes; fail fast if it exits. */
async function waitUntilReady(proc: StartedProcess, state: ServerState, logFile: string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let waitingFor = 'no answer yet';
  while (Date.now() < deadline) {
    if (proc.exit) throw await crashError(proc, state, logFile);
    const probe = await probeServer(addressOf(state), NAMESPACE, 1_500);
    if (probe.answers && probe.missingAttributes?.length === 0) return;
    if (!probe.answers) waitingFor = probe.error;
    else if (!probe.missingAttributes) waitingFor = `namespace "${NAMESPACE}" not ready`;
    else waitingFor = `search attributes not registered: ${probe.missingAttributes.join(', ')}`;
    await sleep(250);
  }
  if (proc.exit) throw await crashError(proc, state, logFile);
  const output = quoteLines(await lastStartOutput(logFile), 10) || '  (nothing)';
  throw new KilnServerError(
    `the Temporal dev server (pid ${state.pid}) did not become ready on ${addressOf(state)} within ` +
      `${STARTUP_TIMEOUT_MS / 1000}s (${waitingFor}); ${logFile} ends with:\n${output}`,
    `see ${logFile}; a slow machine may just need a retry, or use an existing cluster with TEMPORAL_ADDRESS`,
  );
}

async function crashError(proc: StartedProcess, state: ServerState, logFile: string): Promise<KilnServerError> {
  const text = await lastStartOutput(logFile);
  const how = proc.exit?.signal ? `was killed by ${proc.exit.signal}` : `exited with code ${proc.exit?.code ?? '?'}`;
  const what = `the Temporal dev server ${how} while starting; ${logFile} ends with:\n${quoteLines(text, 12) || '  (nothing)'}`;
  if (/address already in use|bind:/i.test(text)) {
    return new KilnServerError(what, `another program took port ${state.port} or ${state.uiPort}; retry, or set KILN_TEMPORAL_PORT / KILN_TEMPORAL_UI_PORT to free ports`);
  }
  if (/database is locked|SQLITE_BUSY/i.test(text)) {
    return new KilnServerError(what, `another Temporal server is using ${state.dbFile}; stop it and retry`);
  }
  return new KilnServerError(
    what,
    `see ${logFile}; if ${state.dbFile} is damaged, move it away and retry (its run history is then lost)`,
  );
}

function addressOf(state: ServerState): string {
  return `127.0.0.1:${state.port}`;
}

function infoFrom(state: ServerState): ServerInfo {
  return {
    address: addressOf(state),
    namespace: NAMESPACE,
    uiUrl: `http://localhost:${state.uiPort}`,
    external: false,
    pid: state.pid,
    dbFile: state.dbFile,
  };
}
