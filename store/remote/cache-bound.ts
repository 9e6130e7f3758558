// With a shared store (KILN_STORE), this machine's $KILN_HOME/store is only a cache of it, bounded by
// KILN_CACHE_MAX_BYTES (default 20 GiB): a fetch that would take it past the bound first evicts the least recently
// used artifacts, and `kiln store gc` trims it too. Recency is the newest access or modification time of an
// artifact's files as the filesystem keeps them (under relatime: the first read after a write, then at most daily).
// Never evicted: an artifact used in the last hour, or one a process holds a file of open (Linux), since a step may be
// reading it. Eviction renames the artifact aside before deleting it, so a reader finds it whole or not at all, and
// then fetches it again.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

import { withFileLock } from '../../system/file-lock';
import { pathBytes, readdirOrEmpty } from '../store-walk';
import { ObjectStoreError } from './object-store';

export const DEFAULT_CACHE_MAX_BYTES = 20 * 1024 ** 3;
/** An artifact used more recently than this is never evicted. */
export const CACHE_IDLE_MS = 60 * 60 * 1000;

const HEX = /^[0-9a-f]{64}$/u;
const UNITS: Record<string, number> = { '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };

/** KILN_CACHE_MAX_BYTES: bytes, or a size such as `20GiB` or `500MB`. Throws ObjectStoreError on anything else. */
export function cacheMaxBytes(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.KILN_CACHE_MAX_BYTES?.trim();
  if (!raw) return DEFAULT_CACHE_MAX_BYTES;
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/iu.exec(raw);
  const unit = match ? UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) {
    throw new ObjectStoreError(
      `KILN_CACHE_MAX_BYTES=${raw}: not a size`,
      'give bytes (21474836480) or a size with a unit (20GiB, 500MB); it bounds this machine\'s cache of the shared store',
    );
  }
  return Math.floor(Number(match[1]) * unit);
}

export interface CachedArtifact {
  hex: string;
  bytes: number;
  /** The newest access or modification time of it and its files (ms since the epoch). */
  usedMs: number;
}

export interface TrimOptions {
  maxBytes: number;
  /** Bytes about to move in (a fetch in progress): room is made for them too. */
  incomingBytes?: number;
  /** Artifacts to evict whatever the bound (their remote objects were deleted), still only when idle. */
  evict?: ReadonlySet<string>;
  now?: number;
  idleMs?: number;
  dryRun?: boolean;
  /** Which artifacts a process holds a file of open; by default read from /proc where there is one. */
  openArtifacts?: (root: string) => Promise<Set<string>>;
}

export interface TrimResult {
  bytesBefore: number;
  bytesAfter: number;
  evicted: CachedArtifact[];
  /** Bytes still over the bound: everything else was in use. */
  overBy: number;
}

/** Evicts idle artifacts from `root/sha256`, least recently used first, until it (plus what is incoming) fits. */
export async function trimCache(root: string, options: TrimOptions): Promise<TrimResult> {
  const now = options.now ?? Date.now();
  const incoming = options.incomingBytes ?? 0;
  const forced = options.evict ?? new Set<string>();
  const cached = await scanCache(root);
  const bytesBefore = cached.reduce((sum, c) => sum + c.bytes, 0);
  let total = bytesBefore;
  const evicted: CachedArtifact[] = [];
  const fits = () => total + incoming <= options.maxBytes;
  if (!fits() || cached.some((c) => forced.has(c.hex))) {
    const busy = await (options.openArtifacts ?? openArtifacts)(root);
    const idleBefore = now - (options.idleMs ?? CACHE_IDLE_MS);
    const candidates = cached
      .filter((c) => c.usedMs < idleBefore && !busy.has(c.hex))
      .sort((a, b) => Number(forced.has(b.hex)) - Number(forced.has(a.hex)) || a.usedMs - b.usedMs || (a.hex < b.hex ? -1 : 1));
    for (const candidate of candidates) {
      if (!forced.has(candidate.hex) && fits()) break;
      if (!options.dryRun && !(await evict(root, candidate.hex))) continue;
      evicted.push(candidate);
      total -= candidate.bytes;
    }
  }
  return { bytesBefore, bytesAfter: total, evicted, overBy: Math.max(0, total + incoming - options.maxBytes) };
}

/**
 * The fetch path's hook (store/artifacts.ts): before `incoming`, an artifact fetched into staging, moves into the
 * cache at `root`, make room for it. A bad KILN_CACHE_MAX_BYTES throws; anything else only leaves the cache over its
 * bound until the next fetch or `kiln store gc`, since the fetch itself succeeded.
 */
export async function makeRoomInCache(root: string, incoming: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const maxBytes = cacheMaxBytes(env);
  try {
    const incomingBytes = await pathBytes(incoming);
    await withCacheLock(root, () => trimCache(root, { maxBytes, incomingBytes }));
  } catch {
    // Another process is trimming (the lock), or the disk misbehaved: see above.
  }
}

/** One trimmer at a time per cache, so two fetches do not both evict for the same shortfall. */
export function withCacheLock<T>(root: string, fn: () => Promise<T>): Promise<T> {
  return withFileLock(path.join(root, '.cache-bound.lock'), { waitMs: 10_000, staleMs: 10 * 60_000, what: 'to finish trimming the artifact cache' }, fn);
}

export async function scanCache(root: string): Promise<CachedArtifact[]> {
  const found: CachedArtifact[] = [];
  for (const hex of (await readdirOrEmpty(path.join(root, 'sha256'))).sort()) {
    if (!HEX.test(hex)) continue;
    const usage = await usageOf(path.join(root, 'sha256', hex));
    if (usage) found.push({ hex, ...usage });
  }
  return found;
}

async function usageOf(p: string): Promise<{ bytes: number; usedMs: number } | undefined> {
  const stat = await fs.lstat(p).catch(() => undefined);
  if (!stat) return undefined;
  if (!stat.isDirectory()) return { bytes: stat.size, usedMs: Math.max(stat.atimeMs, stat.mtimeMs) };
  // Not a directory's own access time: listing it (this scan does) sets that.
  let bytes = 0;
  let usedMs = stat.mtimeMs;
  for (const name of await fs.readdir(p).catch(() => [] as string[])) {
    const child = await usageOf(path.join(p, name));
    if (!child) continue;
    bytes += child.bytes;
    usedMs = Math.max(usedMs, child.usedMs);
  }
  return { bytes, usedMs };
}

/** Moves the artifact aside (atomically, so no reader sees half of it), then deletes it; false when it was gone. */
async function evict(root: string, hex: string): Promise<boolean> {
  const aside = path.join(root, 'tmp', `evict-${hex.slice(0, 16)}-${process.pid}-${randomBytes(4).toString('hex')}`);
  await fs.mkdir(path.dirname(aside), { recursive: true });
  try {
    await fs.rename(path.join(root, 'sha256', hex), aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  await fs.rm(aside, { recursive: true, force: true });
  return true;
}

/** Artifacts under `root/sha256` that some process (of this user) has a file of open, read from /proc. */
export async function openArtifacts(root: string): Promise<Set<string>> {
  const open = new Set<string>();
  const prefix = path.join(await fs.realpath(root).catch(() => root), 'sha256') + path.sep;
  for (const pid of await fs.readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/u.test(pid)) continue;
    for (const fd of await fs.readdir(`/proc/${pid}/fd`).catch(() => [] as string[])) {
      const target = await fs.readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      if (target.startsWith(prefix)) open.add(target.slice(prefix.length).split(path.sep)[0]!);
    }
  }
  return open;
}
