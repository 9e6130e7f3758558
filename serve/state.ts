// `$KILN_HOME/serve.json`: the running `kiln serve`, so deploys and `kiln status` can find it.
import fs from 'node:fs/promises';
import path from 'node:path';

import { writeFileAtomic } from '../store/atomic';
import { isProcessAlive } from '../system/processes';

export interface ServeState {
  pid: number;
  host: string;
  port: number;
  url: string;
  /** The registry directory it serves. */
  registry: string;
  /** ISO time. */
  startedAt: string;
}

export interface Health {
  status: string;
  models: number;
  registry?: string;
}

export function serveStatePath(home: string): string {
  return path.join(home, 'serve.json');
}

export function serveLogPath(home: string): string {
  return path.join(home, 'serve.log');
}

export async function readServeState(home: string): Promise<ServeState | undefined> {
  const text = await fs.readFile(serveStatePath(home), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const state = JSON.parse(text) as Partial<ServeState>;
    return Number.isInteger(state.pid) && typeof state.url === 'string' ? (state as ServeState) : undefined;
  } catch {
    return undefined; // a torn or foreign file: treated as no server; the next start rewrites it
  }
}

export async function writeServeState(home: string, state: ServeState): Promise<void> {
  await writeFileAtomic(serveStatePath(home), JSON.stringify(state, null, 2) + '\n');
}

/** Removes serve.json if it still describes `pid` (a newer server may have replaced it). */
export async function removeServeState(home: string, pid: number): Promise<void> {
  const state = await readServeState(home);
  if (state?.pid === pid) await fs.rm(serveStatePath(home), { force: true });
}

/** GET /healthz; undefined when nothing (or not a kiln server) answers within `timeoutMs`. */
export async function probeHealth(url: string, timeoutMs = 2_000): Promise<Health | undefined> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return undefined;
    const body = (await res.json()) as Health;
    return body.status === 'ok' ? body : undefined;
  } catch {
    return undefined;
  }
}

/** The server serve.json names, if its process lives and it answers /healthz. */
export async function findRunningServer(home: string): Promise<(ServeState & { health: Health }) | undefined> {
  const state = await readServeState(home);
  if (!state || !isProcessAlive(state.pid)) return undefined;
  const health = await probeHealth(state.url);
  return health ? { ...state, health } : undefined;
}

/**
 * SIGTERMs the server serve.json names and waits until it has exited (it removes serve.json itself on the way
 * out). True if one was running. For tests and scripts that must not leave a server behind.
 */
export async function stopServeServer(home: string, timeoutMs = 15_000): Promise<boolean> {
  const state = await readServeState(home);
  if (!state || !isProcessAlive(state.pid)) return false;
  process.kill(state.pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (isProcessAlive(state.pid)) {
    if (Date.now() > deadline) {
      process.kill(state.pid, 'SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await removeServeState(home, state.pid);
  return true;
}
