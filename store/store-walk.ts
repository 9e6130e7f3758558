// Where everything under $KILN_HOME lives, and listings of it for `kiln store verify` and `kiln store gc`.
// Listings read names only; what the content means is verify.ts's and gc.ts's business.
import fs from 'node:fs/promises';
import path from 'node:path';

import type { CacheEntry } from './cache';
import { kilnHome } from './paths';

export interface StoreLayout {
  home: string;
  /** ArtifactStore root: `sha256/<hex>` and the staging area `tmp/`. */
  store: string;
  /** StepCache root: `entries/<key>.json`. */
  cache: string;
  /** `<workflowId>/<stepId>/step-<N>/`. */
  checkpoints: string;
  /** ModelRegistry root. */
  models: string;
}

export function storeLayout(home: string = kilnHome()): StoreLayout {
  return {
    home,
    store: path.join(home, 'store'),
    cache: path.join(home, 'cache'),
    checkpoints: path.join(home, 'checkpoints'),
    models: path.join(home, 'models'),
  };
}

const HEX = /^[0-9a-f]{64}$/;

/** Names under `store/sha256`: artifacts (64 hex digits) and anything else that has no business there. */
export async function listArtifactNames(storeRoot: string): Promise<{ artifacts: string[]; foreign: string[] }> {
  const names = (await readdirOrEmpty(path.join(storeRoot, 'sha256'))).sort();
  return { artifacts: names.filter((n) => HEX.test(n)), foreign: names.filter((n) => !HEX.test(n)) };
}

export interface CacheEntryFile {
  key: string;
  path: string;
  /** Absent when the file cannot be read or parsed; `problem` says why. */
  entry?: CacheEntry;
  problem?: string;
}

/** Every `cache/entries/*.json`, parsed; a torn or hand-edited one comes back with a problem instead. */
export async function readCacheEntries(cacheRoot: string): Promise<CacheEntryFile[]> {
  const dir = path.join(cacheRoot, 'entries');
  const names = (await readdirOrEmpty(dir)).filter((n) => n.endsWith('.json')).sort();
  const files: CacheEntryFile[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const key = name.slice(0, -'.json'.length);
    try {
      const entry = JSON.parse(await fs.readFile(file, 'utf8')) as CacheEntry;
      if (typeof entry?.outputs !== 'object' || entry.outputs === null) files.push({ key, path: file, problem: 'has no outputs object' });
      else files.push({ key, path: file, entry });
    } catch (error) {
      // Deleted between readdir and read: a concurrent lookup dropped it, which is no problem of ours.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      files.push({ key, path: file, problem: (error as Error).message });
    }
  }
  return files;
}

/** A run's checkpoint directory `checkpoints/<workflow>/` and its per-step roots. */
export interface CheckpointRunDir {
  /** The directory name: the workflow id, escaped as checkpointRoot() escapes it. */
  name: string;
  path: string;
  stepRoots: string[];
}

export async function listCheckpointRuns(checkpointsDir: string): Promise<CheckpointRunDir[]> {
  const runs: CheckpointRunDir[] = [];
  for (const name of (await readdirOrEmpty(checkpointsDir)).sort()) {
    const dir = path.join(checkpointsDir, name);
    const steps = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    const stepRoots = steps.filter((e) => e.isDirectory()).map((e) => path.join(dir, e.name)).sort();
    runs.push({ name, path: dir, stepRoots });
  }
  return runs;
}

/** Bytes under a path: a file's size or a directory's total (0 when it is gone). */
export async function pathBytes(p: string): Promise<number> {
  const stat = await fs.lstat(p).catch(() => undefined);
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.size;
  let total = 0;
  for (const entry of await fs.readdir(p).catch(() => [] as string[])) total += await pathBytes(path.join(p, entry));
  return total;
}

/** The newest modification time of a path and, for a directory, of its direct entries (ms since the epoch). */
export async function newestMtime(p: string): Promise<number> {
  const stat = await fs.stat(p).catch(() => undefined);
  if (!stat) return 0;
  let newest = stat.mtimeMs;
  if (stat.isDirectory()) {
    for (const entry of await fs.readdir(p).catch(() => [] as string[])) {
      const child = await fs.stat(path.join(p, entry)).catch(() => undefined);
      if (child) newest = Math.max(newest, child.mtimeMs);
    }
  }
  return newest;
}

export async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
