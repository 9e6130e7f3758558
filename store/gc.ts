// `kiln store gc --keep-runs N`: keep what the newest N runs, every running run and every registered model
// version point at; delete the other artifacts, the cache entries that would dangle, the checkpoints of runs
// not kept and abandoned staging directories. Anything younger than `minAgeMs` stays: a step may have just
// stored an artifact that no history names yet.
import fs from 'node:fs/promises';
import path from 'node:path';

import { checkpointRoot } from './checkpoints';
import { artifactHex, artifactRefsIn, modelVersionRoots } from './references';
import { listArtifactNames, listCheckpointRuns, newestMtime, pathBytes, readCacheEntries, readdirOrEmpty, storeLayout } from './store-walk';
import { isProcessAlive } from '../system/processes';

export const HOUR_MS = 60 * 60 * 1000;

/** A pipeline run as the server lists it. */
export interface GcRun {
  workflowId: string;
  startedAt: string;
  running: boolean;
}

/** What a kept run still needs: artifact refs anywhere in its step outputs, and the runs it resumes checkpoints from. */
export interface RunRoots {
  outputs: unknown;
  resumedFrom: string[];
}

/** How gc learns about runs; the CLI asks Temporal, tests hand in their own. */
export interface RunLookup {
  listRuns(): Promise<GcRun[]>;
  runRoots(workflowId: string): Promise<RunRoots>;
}

export interface GcOptions {
  home?: string;
  keepRuns: number;
  runs: RunLookup;
  dryRun?: boolean;
  /** Younger artifacts, checkpoint and staging directories are kept (default one hour). */
  minAgeMs?: number;
  now?: () => number;
  /** Staging directories carry their writer's pid; a live writer's directory is never removed. */
  isProcessAlive?: (pid: number) => boolean;
}

export interface Removal {
  count: number;
  bytes: number;
  /** Artifact hexes, cache keys, checkpoint run directory names, staging directory names. */
  items: string[];
}

export interface GcReport {
  dryRun: boolean;
  keepRuns: number;
  /** Workflow ids whose outputs and checkpoints were kept, newest first. */
  keptRuns: string[];
  runningRuns: string[];
  modelVersions: number;
  kept: { artifacts: number; bytes: number; recent: number };
  removed: { artifacts: Removal; cacheEntries: Removal; checkpoints: Removal; staging: Removal };
  bytesFreed: number;
}

export interface Roots {
  keptRuns: string[];
  runningRuns: string[];
  hexes: Set<string>;
  /** Checkpoint directory names (escaped workflow ids) to keep. */
  checkpointDirs: Set<string>;
}

export async function collectGarbage(options: GcOptions): Promise<GcReport> {
  const { keepRuns, runs } = options;
  if (!Number.isInteger(keepRuns) || keepRuns < 1) throw new RangeError(`keepRuns must be a whole number >= 1 (got ${keepRuns})`);
  const layout = storeLayout(options.home);
  const dryRun = options.dryRun ?? false;
  const now = options.now?.() ?? Date.now();
  const minAge = options.minAgeMs ?? HOUR_MS;
  const cutoff = now - minAge;
  const alive = options.isProcessAlive ?? isProcessAlive;

  const roots = await collectRoots(runs, keepRuns, layout.home);
  const models = await modelVersionRoots(layout.models);
  for (const hex of models.hexes) roots.hexes.add(hex);

  const report: GcReport = {
    dryRun,
    keepRuns,
    keptRuns: roots.keptRuns,
    runningRuns: roots.runningRuns,
    modelVersions: models.versions,
    kept: { artifacts: 0, bytes: 0, recent: 0 },
    removed: { artifacts: removal(), cacheEntries: removal(), checkpoints: removal(), staging: removal() },
    bytesFreed: 0,
  };

  const artifactPath = (hex: string) => path.join(layout.store, 'sha256', hex);
  const listed = new Set((await listArtifactNames(layout.store)).artifacts);
  const doomed = new Set<string>();
  for (const hex of listed) {
    if (roots.hexes.has(hex)) {
      report.kept.artifacts++;
      report.kept.bytes += await pathBytes(artifactPath(hex));
    } else if ((await newestMtime(artifactPath(hex))) > cutoff) report.kept.recent++;
    else doomed.add(hex);
  }

  // Cache entries that would name a deleted (or already missing) artifact: a lookup would only miss on them.
  for (const file of await readCacheEntries(layout.cache)) {
    if (!file.entry) continue; // `kiln store verify --repair` handles unreadable entries
    const hexes = artifactRefsIn(file.entry.outputs).map(artifactHex);
    const dangling = hexes.some((hex) => doomed.has(hex)) || (await someMissing(hexes.filter((h) => !listed.has(h)), artifactPath));
    if (dangling) await remove(report.removed.cacheEntries, file.key, file.path, dryRun);
  }

  if (!dryRun) {
    // A run that started meanwhile may have taken a cache hit on a doomed artifact before its entry went.
    const again = await collectRoots(runs, keepRuns, layout.home);
    for (const hex of again.hexes) doomed.delete(hex);
    for (const dir of again.checkpointDirs) roots.checkpointDirs.add(dir);
  }
  for (const hex of doomed) await remove(report.removed.artifacts, hex, artifactPath(hex), dryRun);

  await removeCheckpointRuns(layout.checkpoints, roots.checkpointDirs, cutoff, report.removed.checkpoints, dryRun);
  await removeStaging(layout.store, { now, minAgeMs: minAge, alive, dryRun }, report.removed.staging);

  const { artifacts, cacheEntries, checkpoints, staging } = report.removed;
  report.bytesFreed = artifacts.bytes + cacheEntries.bytes + checkpoints.bytes + staging.bytes;
  return report;
}

/** The newest `keepRuns` runs by start time, plus every running one, and what they point at. */
export async function collectRoots(lookup: RunLookup, keepRuns: number, home: string): Promise<Roots> {
  const byId = new Map<string, GcRun>();
  for (const run of await lookup.listRuns()) {
    const seen = byId.get(run.workflowId);
    // One workflow id can have several executions (a reset): any running one keeps it running.
    if (!seen || Date.parse(run.startedAt) > Date.parse(seen.startedAt)) byId.set(run.workflowId, { ...run, running: run.running || (seen?.running ?? false) });
    else if (run.running) seen.running = true;
  }
  const newestFirst = [...byId.values()].sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt));
  const kept = newestFirst.filter((run, i) => i < keepRuns || run.running);
  const roots: Roots = { keptRuns: [], runningRuns: [], hexes: new Set(), checkpointDirs: new Set() };
  for (const run of kept) {
    const found = await lookup.runRoots(run.workflowId);
    roots.keptRuns.push(run.workflowId);
    if (run.running) roots.runningRuns.push(run.workflowId);
    for (const ref of artifactRefsIn(found.outputs)) roots.hexes.add(artifactHex(ref));
    for (const id of [run.workflowId, ...found.resumedFrom]) roots.checkpointDirs.add(checkpointDirName(id, home));
  }
  return roots;
}

/** The directory under `checkpoints/` that holds a workflow's checkpoints (its id, escaped). */
export function checkpointDirName(workflowId: string, home: string): string {
  return path.basename(path.dirname(checkpointRoot(workflowId, 'step', home)));
}

/** The checkpoints of runs not kept (`keep`: checkpoint directory names), untouched since `cutoff`. */
export async function removeCheckpointRuns(checkpointsDir: string, keep: ReadonlySet<string>, cutoff: number, into: Removal, dryRun: boolean): Promise<void> {
  for (const run of await listCheckpointRuns(checkpointsDir)) {
    if (keep.has(run.name)) continue;
    const newest = Math.max(await newestMtime(run.path), ...(await Promise.all(run.stepRoots.map(newestMtime))));
    if (newest > cutoff) continue;
    await remove(into, run.name, run.path, dryRun);
  }
}

/** Staging directories in `<store>/tmp` older than an hour (or `minAgeMs`, if longer) whose writer is gone. */
export async function removeStaging(
  storeRoot: string,
  options: { now: number; minAgeMs: number; alive: (pid: number) => boolean; dryRun: boolean },
  into: Removal,
): Promise<void> {
  const tmp = path.join(storeRoot, 'tmp');
  for (const name of (await readdirOrEmpty(tmp)).sort()) {
    const dir = path.join(tmp, name);
    const pid = /-(\d+)-[0-9a-f]+$/.exec(name)?.[1];
    if (pid !== undefined && options.alive(Number(pid))) continue;
    if ((await newestMtime(dir)) > options.now - Math.max(options.minAgeMs, HOUR_MS)) continue;
    await remove(into, name, dir, options.dryRun);
  }
}

export function removal(): Removal {
  return { count: 0, bytes: 0, items: [] };
}

async function remove(into: Removal, item: string, target: string, dryRun: boolean): Promise<void> {
  into.count++;
  into.bytes += await pathBytes(target);
  into.items.push(item);
  if (!dryRun) await fs.rm(target, { recursive: true, force: true });
}

async function someMissing(hexes: string[], pathOf: (hex: string) => string): Promise<boolean> {
  for (const hex of hexes) {
    const exists = await fs.stat(pathOf(hex)).then(
      () => true,
      () => false,
    );
    if (!exists) return true;
  }
  return false;
}
