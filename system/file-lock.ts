// Exclusive lock files shared by kiln processes: the Temporal binary build, the server start, the registry,
// metrics histories and the TensorFlow setup each take one.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

import { isProcessAlive, sleep } from './processes';

export interface LockOptions {
  /** Give up waiting for another holder after this long. */
  waitMs: number;
  /** A lock older than this is stale even if its holder is alive (a hung process). */
  staleMs: number;
  /** Called once if we have to wait, so the user knows why nothing happens. */
  onWait?: (holderPid: number) => void;
  /** What the lock guards, for the timeout message. */
  what: string;
}

interface LockContent {
  pid: number;
  token: string;
  createdAt: number;
}

/** Another process held the lock for longer than the caller would wait. */
export class LockTimeoutError extends Error {
  constructor(
    readonly what: string,
    readonly hint: string,
  ) {
    super(`${what}\nhint: ${hint}`);
    this.name = 'LockTimeoutError';
  }
}

/**
 * Run `fn` while holding an exclusive lock file, so two kiln processes (or two calls in one process)
 * never build the binary, start a server or write the registry at the same time. A lock whose holder died is taken over.
 */
export async function withFileLock<T>(lockPath: string, options: LockOptions, fn: () => Promise<T>): Promise<T> {
  const token = await acquire(lockPath, options);
  try {
    return await fn();
  } finally {
    await release(lockPath, token);
  }
}

async function acquire(lockPath: string, options: LockOptions): Promise<string> {
  await fs.mkdir(path.dirname(lockPath), { recursive: true });
  const token = randomBytes(8).toString('hex');
  const content: LockContent = { pid: process.pid, token, createdAt: Date.now() };
  const deadline = Date.now() + options.waitMs;
  let warned = false;
  for (;;) {
    try {
      await fs.writeFile(lockPath, JSON.stringify(content), { flag: 'wx' });
      return token;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await readLock(lockPath);
    if (holder ? isStale(holder, options.staleMs) : await isAbandonedEmpty(lockPath)) {
      await breakStaleLock(lockPath, holder);
      continue;
    }
    if (Date.now() > deadline) {
      throw new LockTimeoutError(
        `timed out after ${Math.round(options.waitMs / 1000)}s waiting for ${holder ? describeHolder(holder.pid) : 'another kiln process'} ${options.what}`,
        `if no other kiln command is running, delete ${lockPath} and retry`,
      );
    }
    if (!warned && holder) {
      options.onWait?.(holder.pid);
      warned = true;
    }
    await sleep(200);
  }
}

async function readLock(lockPath: string): Promise<LockContent | undefined> {
  try {
    return JSON.parse(await fs.readFile(lockPath, 'utf8')) as LockContent;
  } catch {
    // Missing (just released) or half-written (just created): look again on the next round.
    return undefined;
  }
}

function isStale(holder: LockContent, staleMs: number): boolean {
  return !isProcessAlive(holder.pid) || Date.now() - holder.createdAt > staleMs;
}

/** A lock file that stayed unreadable for seconds: its creator died between creating and writing it. */
async function isAbandonedEmpty(lockPath: string): Promise<boolean> {
  const stat = await fs.stat(lockPath).catch(() => undefined);
  return stat !== undefined && Date.now() - stat.mtimeMs > 5_000;
}

/** Move the stale lock aside; if someone replaced it meanwhile, put theirs back instead of deleting it. */
async function breakStaleLock(lockPath: string, stale: LockContent | undefined): Promise<void> {
  const aside = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    await fs.rename(lockPath, aside);
  } catch {
    return;
  }
  const moved = await readLock(aside);
  if (moved?.token !== stale?.token) await fs.link(aside, lockPath).catch(() => undefined);
  await fs.rm(aside, { force: true });
}

async function release(lockPath: string, token: string): Promise<void> {
  const holder = await readLock(lockPath);
  if (holder?.token === token) await fs.rm(lockPath, { force: true });
}

/** "another kiln process (pid N)", or, when we wait on ourselves, "another call in this process". */
export function describeHolder(pid: number): string {
  return pid === process.pid ? 'another call in this process' : `another kiln process (pid ${pid})`;
}
