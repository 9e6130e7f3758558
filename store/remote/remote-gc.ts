// `kiln store gc --keep-runs N` on a shared store: gc.ts's rules, applied to the objects. Kept: what the newest N
// runs and every running run produced, every artifact a registered model version names (its record is in the store),
// and every file a kept directory's manifest names. Deleted: other artifact objects, the cache entries that would
// point at them, the checkpoints of runs not kept, and multipart uploads a dead process left. The grace period counts
// from when a gc first found an object unreferenced (gc-marks.ts), as object listings carry no times. Then this
// machine's side: its cache of the store trimmed to KILN_CACHE_MAX_BYTES, its stale staging and checkpoint copies.
import { collectRoots, HOUR_MS, removal, removeCheckpointRuns, removeStaging, type RunLookup, type Removal } from '../gc';
import { artifactHex, artifactRefsIn } from '../references';
import { storeLayout } from '../store-walk';
import { isProcessAlive } from '../../system/processes';
import { trimCache, withCacheLock } from './cache-bound';
import { GcMarks } from './gc-marks';
import type { IncompleteUploads } from './incomplete-uploads';
import type { ObjectStore } from './object-store';
import { dirKey, fileKey, type ManifestEntry } from './remote-artifacts';
import { RemoteRegistry } from './remote-registry';
import { S3RequestError } from './s3-errors';

const FILE_KEY = /^artifacts\/files\/sha256\/([0-9a-f]{64})$/u;
const DIR_KEY = /^artifacts\/dirs\/sha256\/([0-9a-f]{64})\.json$/u;
export const DAY_MS = 24 * HOUR_MS;

export interface SharedGcOptions {
  objects: ObjectStore;
  /** This machine's KILN_HOME: its cache of the store, staging area and checkpoint copies. */
  home: string;
  keepRuns: number;
  runs: RunLookup;
  dryRun?: boolean;
  /** How long an object must have been found unreferenced before it is deleted (default one hour). */
  minAgeMs?: number;
  /** Multipart uploads, where the store has them (S3); they are aborted once older than `uploadMinAgeMs` (default a day). */
  uploads?: IncompleteUploads;
  uploadMinAgeMs?: number;
  /** The bound of this machine's cache (KILN_CACHE_MAX_BYTES). */
  cacheMaxBytes: number;
  now?: () => number;
  isProcessAlive?: (pid: number) => boolean;
}

export interface SharedGcReport {
  store: string;
  dryRun: boolean;
  keepRuns: number;
  /** How long an object must have been found unreferenced before it is deleted. */
  graceMs: number;
  keptRuns: string[];
  runningRuns: string[];
  modelVersions: number;
  /** Referenced artifact objects; `waiting`: unreferenced ones whose grace period has not run out. */
  kept: { artifacts: number; bytes: number; waiting: number; newlyMarked: number };
  removed: { artifacts: Removal; cacheEntries: Removal; checkpoints: Removal; uploads: Removal };
  /** Why incomplete multipart uploads were not looked at, when they were not. */
  uploadsSkipped?: string;
  bytesFreed: number;
  /** This machine: its cache of the store (trimmed to `cacheMaxBytes`), checkpoint copies and staging directories. */
  local: { cache: Removal; cacheBytes: number; cacheMaxBytes: number; checkpoints: Removal; staging: Removal; bytesFreed: number };
}

export async function collectSharedGarbage(options: SharedGcOptions): Promise<SharedGcReport> {
  const { objects, keepRuns, runs } = options;
  if (!Number.isInteger(keepRuns) || keepRuns < 1) throw new RangeError(`keepRuns must be a whole number >= 1 (got ${keepRuns})`);
  const layout = storeLayout(options.home);
  const dryRun = options.dryRun ?? false;
  const now = options.now?.() ?? Date.now();
  const grace = options.minAgeMs ?? HOUR_MS;
  const base = objects.uri.replace(/\/+$/u, '');

  const roots = await collectRoots(runs, keepRuns, layout.home);
  const models = await registeredArtifacts(objects);
  for (const hex of models.hexes) roots.hexes.add(hex);

  const files = new Map<string, number>();
  const dirs = new Map<string, number>();
  for await (const object of objects.list('artifacts/')) {
    const file = FILE_KEY.exec(object.key)?.[1];
    const dir = DIR_KEY.exec(object.key)?.[1];
    if (file) files.set(file, object.bytes);
    else if (dir) dirs.set(dir, object.bytes);
  }

  const marks = await GcMarks.read(objects, now);
  const report: SharedGcReport = {
    store: objects.uri,
    dryRun,
    keepRuns,
    graceMs: grace,
    keptRuns: roots.keptRuns,
    runningRuns: roots.runningRuns,
    modelVersions: models.versions,
    kept: { artifacts: 0, bytes: 0, waiting: 0, newlyMarked: 0 },
    removed: { artifacts: removal(), cacheEntries: removal(), checkpoints: removal(), uploads: removal() },
    bytesFreed: 0,
    local: { cache: removal(), cacheBytes: 0, cacheMaxBytes: options.cacheMaxBytes, checkpoints: removal(), staging: removal(), bytesFreed: 0 },
  };

  // Directories first: the files a kept or waiting manifest names stay, whether or not anything names them directly.
  const doomedDirs = new Set<string>();
  const named = new Set<string>();
  const referencedFiles = new Set<string>();
  for (const [hex, bytes] of dirs) {
    const key = dirKey(hex);
    const referenced = roots.hexes.has(hex);
    if (referenced) marks.forget(key);
    else if (marks.unreferenced(key, grace)) {
      doomedDirs.add(hex);
      continue;
    }
    for (const entry of await manifestFiles(objects, hex, base)) (referenced ? referencedFiles : named).add(entry.sha256);
    count(report, referenced, bytes, marks.isNew(key));
  }
  const doomedFiles = new Set<string>();
  for (const [hex, bytes] of files) {
    const key = fileKey(hex);
    const referenced = roots.hexes.has(hex) || referencedFiles.has(hex);
    if (referenced) marks.forget(key);
    else if (marks.unreferenced(key, grace) && !named.has(hex)) {
      doomedFiles.add(hex);
      continue;
    }
    count(report, referenced, bytes, marks.isNew(key));
  }

  // Cache entries that would name a deleted (or already missing) artifact: a lookup would only miss on them.
  const dangling = async (hex: string): Promise<boolean> => {
    if (doomedFiles.has(hex) || doomedDirs.has(hex)) return true;
    if (files.has(hex) || dirs.has(hex)) return false;
    return !(await objects.head(dirKey(hex))) && !(await objects.head(fileKey(hex)));
  };
  for await (const object of objects.list('cache/entries/')) {
    const found = await objects.getBytes(object.key);
    if (!found) continue;
    let outputs: unknown;
    try {
      outputs = (JSON.parse(found.bytes.toString('utf8')) as { outputs?: unknown }).outputs;
    } catch {
      continue; // `kiln store verify --repair` handles unreadable entries
    }
    let gone = false;
    for (const hex of artifactRefsIn(outputs).map(artifactHex)) if (!gone) gone = await dangling(hex);
    if (gone) {
      await removeObjects(objects, report.removed.cacheEntries, object.key.slice('cache/entries/'.length, -'.json'.length), [object.key], found.bytes.length, dryRun);
    }
  }

  if (!dryRun) {
    // A run that started meanwhile may have taken a cache hit on a doomed artifact, and a directory stored meanwhile
    // may name a doomed file (content-addressed files are shared, and not uploaded twice).
    const again = await collectRoots(runs, keepRuns, layout.home);
    for (const dir of again.checkpointDirs) roots.checkpointDirs.add(dir);
    const rescued = new Set<string>();
    for (const hex of again.hexes) {
      if (doomedDirs.delete(hex)) rescued.add(hex);
      doomedFiles.delete(hex);
      marks.forget(dirKey(hex));
      marks.forget(fileKey(hex));
    }
    // The files of the manifests kept all along are not doomed; those of rescued and new manifests may be.
    for await (const object of objects.list('artifacts/dirs/')) {
      const hex = DIR_KEY.exec(object.key)?.[1];
      if (!hex || doomedDirs.has(hex) || (dirs.has(hex) && !rescued.has(hex))) continue;
      for (const entry of await manifestFiles(objects, hex, base)) doomedFiles.delete(entry.sha256);
    }
  }
  // Manifests before files: a manifest that can be read never names a deleted file.
  for (const hex of doomedDirs) {
    await removeObjects(objects, report.removed.artifacts, hex, [dirKey(hex)], dirs.get(hex) ?? 0, dryRun);
    marks.forget(dirKey(hex));
  }
  for (const hex of doomedFiles) {
    await removeObjects(objects, report.removed.artifacts, hex, [fileKey(hex)], files.get(hex) ?? 0, dryRun);
    marks.forget(fileKey(hex));
  }

  await removeCheckpoints(objects, roots.checkpointDirs, marks, grace, report.removed.checkpoints, dryRun);
  await abortUploads(options, now, report, dryRun);
  if (!dryRun) await marks.write(objects);
  const { artifacts, cacheEntries, checkpoints } = report.removed;
  report.bytesFreed = artifacts.bytes + cacheEntries.bytes + checkpoints.bytes;

  // This machine: copies of what was deleted go, and the cache is trimmed to its bound (idle artifacts only).
  const trimmed = await withCacheLock(layout.store, () =>
    trimCache(layout.store, { maxBytes: options.cacheMaxBytes, evict: new Set([...doomedDirs, ...doomedFiles]), now, dryRun }),
  );
  for (const gone of trimmed.evicted) {
    report.local.cache.count++;
    report.local.cache.bytes += gone.bytes;
    report.local.cache.items.push(gone.hex);
  }
  report.local.cacheBytes = trimmed.bytesAfter;
  const alive = options.isProcessAlive ?? isProcessAlive;
  await removeCheckpointRuns(layout.checkpoints, roots.checkpointDirs, now - grace, report.local.checkpoints, dryRun);
  await removeStaging(layout.store, { now, minAgeMs: grace, alive, dryRun }, report.local.staging);
  report.local.bytesFreed = report.local.cache.bytes + report.local.checkpoints.bytes + report.local.staging.bytes;
  return report;
}

/** A kept object: referenced, or unreferenced and waiting out the grace period (`isNew`: first found so now). */
function count(report: SharedGcReport, referenced: boolean, bytes: number, isNew: boolean): void {
  if (referenced) {
    report.kept.artifacts++;
    report.kept.bytes += bytes;
  } else {
    report.kept.waiting++;
    if (isNew) report.kept.newlyMarked++;
  }
}

/** The artifacts registered model versions were copied from, read from the shared registry (an unreadable record stops gc). */
async function registeredArtifacts(objects: ObjectStore): Promise<{ versions: number; hexes: Set<string> }> {
  const registry = new RemoteRegistry(objects);
  const hexes = new Set<string>();
  let versions = 0;
  for (const name of await registry.names()) {
    for (const version of await registry.versionNumbers(name)) {
      const record = await registry.record(name, version).catch((error: Error) => {
        throw new Error(`gc stops: the record of ${name}:${version} in ${registry.where()} is unreadable (${error.message}), so it cannot tell which artifact that model needs; fix or delete the record first`);
      });
      if (!record) continue;
      versions++;
      if (typeof record.source?.uri === 'string' && record.source.uri.startsWith('kiln://sha256/')) hexes.add(artifactHex(record.source));
      if (typeof record.digest === 'string' && record.digest.startsWith('sha256:')) hexes.add(record.digest.slice('sha256:'.length));
    }
  }
  return { versions, hexes };
}

/** The files a directory manifest names; one that cannot be read stops gc, since its files could not be told apart. */
async function manifestFiles(objects: ObjectStore, hex: string, base: string): Promise<ManifestEntry[]> {
  const found = await objects.getBytes(dirKey(hex));
  if (!found) return [];
  try {
    const manifest = JSON.parse(found.bytes.toString('utf8')) as ManifestEntry[];
    if (Array.isArray(manifest) && manifest.every((e) => typeof e?.sha256 === 'string')) return manifest;
    throw new Error('not a list of files');
  } catch (error) {
    throw new Error(
      `gc stops: the manifest ${base}/${dirKey(hex)} is unreadable (${(error as Error).message}), so it cannot tell which files that directory needs; ` +
        'run `kiln store verify --repair` first',
    );
  }
}

/** `checkpoints/<run>/…` of runs not kept, once their mark has waited out the grace period. */
async function removeCheckpoints(objects: ObjectStore, keep: ReadonlySet<string>, marks: GcMarks, grace: number, into: Removal, dryRun: boolean): Promise<void> {
  const byRun = new Map<string, { keys: string[]; bytes: number }>();
  for await (const object of objects.list('checkpoints/')) {
    const run = object.key.split('/')[1];
    if (!run || keep.has(run)) continue;
    const found = byRun.get(run) ?? { keys: [], bytes: 0 };
    found.keys.push(object.key);
    found.bytes += object.bytes;
    byRun.set(run, found);
  }
  for (const dir of keep) marks.forget(`checkpoints/${dir}/`);
  for (const [run, { keys, bytes }] of byRun) {
    if (!marks.unreferenced(`checkpoints/${run}/`, grace)) continue;
    // The registries first: a resume then finds no checkpoint rather than a half-deleted one.
    const ordered = [...keys.filter((k) => k.endsWith('/registry.json')), ...keys.filter((k) => !k.endsWith('/registry.json'))];
    await removeObjects(objects, into, run, ordered, bytes, dryRun);
    marks.forget(`checkpoints/${run}/`);
  }
}

async function abortUploads(options: SharedGcOptions, now: number, report: SharedGcReport, dryRun: boolean): Promise<void> {
  if (!options.uploads) {
    report.uploadsSkipped = 'this store has no multipart uploads';
    return;
  }
  const before = now - (options.uploadMinAgeMs ?? Math.max(options.minAgeMs ?? HOUR_MS, DAY_MS));
  try {
    for await (const upload of options.uploads.list()) {
      if (upload.initiatedMs > before) continue;
      report.removed.uploads.count++;
      report.removed.uploads.items.push(upload.key);
      if (!dryRun) await options.uploads.abort(upload);
    }
  } catch (error) {
    if (!(error instanceof S3RequestError && error.isNotImplemented)) throw error;
    report.uploadsSkipped = `the server cannot list multipart uploads (${error.code}); a bucket lifecycle rule (AbortIncompleteMultipartUpload) can`;
  }
}

async function removeObjects(objects: ObjectStore, into: Removal, item: string, keys: string[], bytes: number, dryRun: boolean): Promise<void> {
  into.count++;
  into.bytes += bytes;
  into.items.push(item);
  if (!dryRun) for (const key of keys) await objects.delete(key);
}
