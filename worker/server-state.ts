import fs from 'node:fs/promises';
import path from 'node:path';

import { writeFileAtomic } from '../store/atomic';
import { isProcessAlive } from '../system/processes';

/** `$KILN_HOME/server.json`: the embedded dev server that kiln started and reuses across commands. */
export interface ServerState {
  pid: number;
  port: number;
  uiPort: number;
  dbFile: string;
  /** ISO time. */
  startedAt: string;
}

export function serverStatePath(home: string): string {
  return path.join(home, 'server.json');
}

export function serverLogPath(home: string): string {
  return path.join(home, 'temporal.log');
}

export function serverDbPath(home: string): string {
  return path.join(home, 'temporal.db');
}

export function serverLockPath(home: string): string {
  return path.join(home, 'server.lock');
}

/** The recorded server, or undefined when there is none or the file is not one of ours. */
export async function readServerState(home: string): Promise<ServerState | undefined> {
  let text: string;
  try {
    text = await fs.readFile(serverStatePath(home), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const state = JSON.parse(text) as Partial<ServerState>;
    const valid = Number.isInteger(state.pid) && Number.isInteger(state.port) && Number.isInteger(state.uiPort);
    return valid ? (state as ServerState) : undefined;
  } catch {
    // A corrupt file means no usable record; the next start overwrites it.
    return undefined;
  }
}

export async function writeServerState(home: string, state: ServerState): Promise<void> {
  await writeFileAtomic(serverStatePath(home), `${JSON.stringify(state, null, 2)}\n`);
}

export async function removeServerState(home: string): Promise<void> {
  await fs.rm(serverStatePath(home), { force: true });
}

/** Signal 0 tests existence; EPERM means it exists but belongs to someone else. */
/**
 * Whether `pid` is (still) a `temporal server start-dev` process rather than an unrelated process that
 * reused the pid. Where /proc does not exist (macOS) we cannot tell and trust liveness alone.
 */
export async function isDevServerProcess(pid: number): Promise<boolean> {
  if (!isProcessAlive(pid)) return false;
  let cmdline: string;
  try {
    cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return !(await procExists());
  }
  const args = cmdline.split('\0');
  // A zombie has an empty cmdline: it has exited, only its parent has not reaped it yet.
  return args.includes('start-dev');
}

async function procExists(): Promise<boolean> {
  return fs.access('/proc/self').then(
    () => true,
    () => false,
  );
}
