import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';

import { KilnServerError } from './server-errors';
import { isDevServerProcess } from './server-state';
import { sleep } from '../system/processes';
import { searchAttributeFlags } from './temporal-search-attributes';

/** Marks where one start's output begins in the appended log, so errors quote only this start. */
const LOG_MARKER = '--- kiln: starting temporal server start-dev';

export interface SpawnOptions {
  binary: string;
  dbFile: string;
  port: number;
  uiPort: number;
  logFile: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface StartedProcess {
  pid: number;
  /** Set once the process exits; only observed while this kiln process is alive. */
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  child: ChildProcess;
}

export function devServerArgs(options: Pick<SpawnOptions, 'dbFile' | 'port' | 'uiPort'>): string[] {
  return [
    'server', 'start-dev',
    '--db-filename', options.dbFile,
    '--ip', '127.0.0.1',
    '--port', String(options.port),
    '--ui-port', String(options.uiPort),
    '--log-level', 'warn',
    // Write-ahead log, synced at checkpoints rather than at every commit: each workflow step is several commits,
    // and an fsync apiece cost ~40 ms per step (bench/orchestration.ts). A crashed server process loses nothing;
    // a power cut can lose the last commits, which a durable run recovers from (activities are retried).
    '--sqlite-pragma', 'journal_mode=wal',
    '--sqlite-pragma', 'synchronous=normal',
    // A step scheduled on the workflow's own queue starts on the worker that scheduled it, without a round trip
    // through matching (the SDK asks for this; the server must allow it).
    '--dynamic-config-value', 'system.enableActivityEagerExecution=true',
    // One partition per task queue: with the default four, a task written to a partition no poller is on waits to
    // be forwarded (a new run's first workflow task sat 1.6 s in one of two runs). One machine needs no spreading.
    '--dynamic-config-value', 'matching.numTaskqueueReadPartitions=1',
    '--dynamic-config-value', 'matching.numTaskqueueWritePartitions=1',
    // The history service reads new transfer tasks (a workflow task after an activity completes, an activity
    // task after a workflow task) at most 20 times a second by default: 25 ms on average per step of a chain.
    '--dynamic-config-value', 'history.transferProcessorMaxPollRPS=1000',
    ...searchAttributeFlags(),
  ];
}

/**
 * Start the dev server in its own process group with output appended to the log, and let go of it:
 * the kiln command can exit (or be Ctrl-C'd) and the server keeps running for the next command.
 */
export function spawnDevServer(options: SpawnOptions): StartedProcess {
  const args = devServerArgs(options);
  fs.appendFileSync(options.logFile, `${LOG_MARKER} at ${new Date().toISOString()}: ${options.binary} ${args.join(' ')}\n`);
  const fd = fs.openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(options.binary, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', fd, fd] });
  } finally {
    fs.closeSync(fd);
  }
  if (child.pid === undefined) {
    throw new KilnServerError(`could not run ${options.binary}`, 'check that it is an executable Temporal CLI, or set KILN_TEMPORAL_BIN to one');
  }
  const started: StartedProcess = { pid: child.pid, exit: undefined, child };
  child.on('exit', (code, signal) => {
    started.exit = { code, signal };
  });
  child.on('error', () => {
    started.exit ??= { code: null, signal: null };
  });
  child.unref();
  return started;
}

/** The output of the most recent start, for quoting when it failed. */
export async function lastStartOutput(logFile: string): Promise<string> {
  const text = await fsp.readFile(logFile, 'utf8').catch(() => '');
  const at = text.lastIndexOf(LOG_MARKER);
  const fromMarker = at < 0 ? text : text.slice(at);
  return fromMarker.split('\n').slice(1).join('\n');
}

/**
 * SIGTERM the server's process group, SIGKILL it if it has not exited after `graceMs`.
 * Returns once the process is gone.
 */
export async function terminateServer(pid: number, graceMs = 10_000): Promise<void> {
  signalGroup(pid, 'SIGTERM');
  if (await waitForExit(pid, graceMs)) return;
  signalGroup(pid, 'SIGKILL');
  await waitForExit(pid, 5_000);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Not a group leader (started by something else): signal the process itself.
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await isDevServerProcess(pid))) return true;
    await sleep(100);
  }
  return !(await isDevServerProcess(pid));
}
