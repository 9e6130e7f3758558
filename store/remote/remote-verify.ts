// `kiln store verify` on the shared store KILN_STORE names: the local verify's report, its paths the objects' uris.
// A file object is checked by the sha256 kiln recorded with it at upload (one HEAD each: cheap on a large bucket,
// and it catches an object overwritten by anything but kiln); `deep` downloads and hashes every object, which also
// catches bytes changed behind the server's back. Manifests, cache entries and records are small and always read.
// Reads only; remote-repair.ts acts on the report.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { sha256File } from '../atomic';
import type { CacheEntry } from '../cache';
import { artifactHex, artifactRefsIn } from '../references';
import type { CacheEntryFile } from '../store-walk';
import type { VerifyOptions, VerifyProgress, VerifyReport } from '../verify';
import { derivedFromCorrupt } from '../verify-lineage';
import type { AddProblem, SharedVerifyDepth, StoreProblem, VerifyCounts } from '../verify-types';
import type { ObjectStore } from './object-store';
import { dirKey, fileKey, type ManifestEntry } from './remote-artifacts';
import { checkSharedCheckpoints, checkSharedMetrics, checkSharedModels } from './remote-verify-records';

export type ArtifactStatus = 'ok' | 'corrupt';

const FILE_KEY = /^artifacts\/files\/sha256\/([0-9a-f]{64})$/u;
const DIR_KEY = /^artifacts\/dirs\/sha256\/([0-9a-f]{64})\.json$/u;
const HEX = /^[0-9a-f]{64}$/u;

/** What the per-area checks (remote-verify-records.ts) share. */
export interface SharedCheck {
  objects: ObjectStore;
  uriOf(key: string): string;
  add: AddProblem;
  /** A referenced artifact now: ok, corrupt, or undefined when the store does not have it. */
  artifactStatus(hex: string): Promise<ArtifactStatus | undefined>;
  /** Its size (a directory's files together) as checked, 0 when unknown. */
  artifactBytes(hex: string): number;
  /** The sha256 of a file object (recorded or, when deep or unrecorded, downloaded and hashed); undefined when absent. */
  objectDigest(key: string): Promise<ObjectDigest | undefined>;
  tick(phase: VerifyProgress['phase'], done: number, total: number, bytes: number): void;
}

export interface ObjectDigest {
  sha256: string;
  bytes: number;
  /** recorded: the sha256 kiln stored with the object at upload; content: the downloaded bytes' own. */
  how: 'recorded' | 'content';
}

export async function verifySharedStore(objects: ObjectStore, options: VerifyOptions & { deep?: boolean } = {}): Promise<VerifyReport> {
  const deep = options.deep ?? false;
  const every = Math.max(1, options.progressEvery ?? 1000);
  const base = objects.uri.replace(/\/+$/u, '');
  const shared: SharedVerifyDepth = { uri: objects.uri, depth: deep ? 'deep' : 'metadata', downloaded: { objects: 0, bytes: 0 } };
  const counts = (): VerifyCounts => ({ count: 0, bytes: 0, problems: 0 });
  const problems: StoreProblem[] = [];
  const report: VerifyReport = { home: objects.uri, shared, artifacts: counts(), cacheEntries: counts(), checkpoints: counts(), models: counts(), metrics: counts(), problems, ok: true };
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-verify-'));
  const fileStatus = new Map<string, ArtifactStatus>();
  const dirStatus = new Map<string, ArtifactStatus>();
  const sizes = new Map<string, number>();

  const check: SharedCheck = {
    objects,
    uriOf: (key) => `${base}/${key}`,
    add: (into, problem) => {
      into.problems++;
      problems.push(problem);
    },
    tick: (phase, done, total, bytes) => {
      if (done % every === 0 || (done === total && total >= every)) options.onProgress?.({ phase, done, total, bytes });
    },
    objectDigest: async (key) => {
      if (!deep) {
        const info = await objects.head(key);
        if (!info) return undefined;
        if (info.sha256 && HEX.test(info.sha256)) return { sha256: info.sha256, bytes: info.bytes, how: 'recorded' };
      }
      const file = path.join(scratch, 'object');
      if (!(await objects.getFile(key, file))) return undefined;
      try {
        const { hex, bytes } = await sha256File(file);
        shared.downloaded.objects++;
        shared.downloaded.bytes += bytes;
        return { sha256: hex, bytes, how: 'content' };
      } finally {
        await fs.rm(file, { force: true });
      }
    },
    artifactBytes: (hex) => sizes.get(hex) ?? 0,
    artifactStatus: async (hex) => {
      const known = dirStatus.get(hex) ?? fileStatus.get(hex);
      if (known) return known;
      // Stored after the listing was taken.
      if (await objects.head(dirKey(hex))) return (await checkManifest(check, hex, fileState))?.status;
      return fileState(hex);
    },
  };
  /** A file object's status, checked on first need (a manifest may name one stored after the listing). */
  const fileState = async (hex: string): Promise<ArtifactStatus | undefined> => {
    const known = fileStatus.get(hex);
    if (known) return known;
    const found = await check.objectDigest(fileKey(hex));
    if (!found) return undefined;
    const status = found.sha256 === hex ? 'ok' : 'corrupt';
    fileStatus.set(hex, status);
    return status;
  };

  try {
    await checkArtifacts(check, report.artifacts, { fileStatus, dirStatus, sizes }, fileState);
    await checkCacheEntries(check, report.cacheEntries, new Set([...fileStatus, ...dirStatus].filter(([, s]) => s === 'corrupt').map(([hex]) => hex)));
    await checkSharedCheckpoints(check, report.checkpoints);
    await checkSharedModels(check, report.models);
    await checkSharedMetrics(check, report.metrics);
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
  report.ok = !problems.some((p) => p.severity === 'corrupt');
  return report;
}

/** Every file object against its name, then every directory manifest against its name and the files it names. */
async function checkArtifacts(
  check: SharedCheck,
  counts: VerifyCounts,
  found: { fileStatus: Map<string, ArtifactStatus>; dirStatus: Map<string, ArtifactStatus>; sizes: Map<string, number> },
  fileState: (hex: string) => Promise<ArtifactStatus | undefined>,
): Promise<void> {
  const { fileStatus, dirStatus, sizes } = found;
  const files: string[] = [];
  const dirs: string[] = [];
  for await (const object of check.objects.list('artifacts/')) {
    const file = FILE_KEY.exec(object.key)?.[1];
    const dir = DIR_KEY.exec(object.key)?.[1];
    if (file) files.push(file);
    else if (dir) dirs.push(dir);
    else check.add(counts, { kind: 'foreign-file', severity: 'stale', path: check.uriOf(object.key), message: 'not an artifact (its name is not a sha256 digest); kiln leaves it alone' });
  }
  const total = files.length + dirs.length;
  for (const [i, hex] of files.entries()) {
    const digest = await check.objectDigest(fileKey(hex));
    // Gone since the listing: a concurrent gc or repair.
    if (digest) {
      counts.count++;
      counts.bytes += digest.bytes;
      fileStatus.set(hex, digest.sha256 === hex ? 'ok' : 'corrupt');
      sizes.set(hex, digest.bytes);
      if (digest.sha256 !== hex) {
        const what = digest.how === 'recorded' ? 'the sha256 recorded with it at upload' : 'its content';
        check.add(counts, { kind: 'corrupt-artifact', severity: 'corrupt', path: check.uriOf(fileKey(hex)), message: `${what} is sha256:${digest.sha256}, not the sha256:${hex} it is stored under` });
      }
    }
    check.tick('artifacts', i + 1, total, counts.bytes);
  }
  for (const [i, hex] of dirs.entries()) {
    const checked = await checkManifest(check, hex, fileState);
    if (checked) {
      counts.count++;
      counts.bytes += checked.bytes;
      dirStatus.set(hex, checked.status);
      sizes.set(hex, checked.bytes);
      if (checked.problem) check.add(counts, { kind: 'corrupt-artifact', severity: 'corrupt', path: check.uriOf(dirKey(hex)), message: checked.problem });
    }
    check.tick('artifacts', files.length + i + 1, total, counts.bytes);
  }
}

/** A manifest must hash to its name, list files, and every file it names must be there and intact. */
async function checkManifest(
  check: SharedCheck,
  hex: string,
  fileState: (hex: string) => Promise<ArtifactStatus | undefined>,
): Promise<{ status: ArtifactStatus; bytes: number; problem?: string } | undefined> {
  const found = await check.objects.getBytes(dirKey(hex));
  if (!found) return undefined;
  const bytes = found.bytes.length;
  const actual = createHash('sha256').update(found.bytes).digest('hex');
  if (actual !== hex) return { status: 'corrupt', bytes, problem: `its manifest digest is sha256:${actual}, not the sha256:${hex} it is stored under` };
  let manifest: ManifestEntry[];
  try {
    manifest = JSON.parse(found.bytes.toString('utf8')) as ManifestEntry[];
  } catch (error) {
    return { status: 'corrupt', bytes, problem: `its manifest is not JSON (${(error as Error).message})` };
  }
  if (!Array.isArray(manifest) || !manifest.every((e) => typeof e?.path === 'string' && typeof e.sha256 === 'string' && HEX.test(e.sha256))) {
    return { status: 'corrupt', bytes, problem: 'its manifest is not a list of files with their sha256' };
  }
  const bad: string[] = [];
  for (const entry of manifest) {
    const state = await fileState(entry.sha256);
    if (state !== 'ok') bad.push(`${entry.path} (${fileKey(entry.sha256)}) is ${state === 'corrupt' ? 'corrupt' : 'missing'}`);
  }
  const total = manifest.reduce((sum, e) => sum + (Number.isFinite(e.bytes) ? e.bytes : 0), 0);
  if (bad.length === 0) return { status: 'ok', bytes: bytes + total };
  const more = bad.length > 1 ? ` (and ${bad.length - 1} more of its ${manifest.length} files)` : '';
  return { status: 'corrupt', bytes: bytes + total, problem: `the directory cannot be read back: ${bad[0]}${more}` };
}

/** Cache entries: a hit must find every artifact it names intact; entries made from a corrupt one go too. */
async function checkCacheEntries(check: SharedCheck, counts: VerifyCounts, corrupt: Set<string>): Promise<void> {
  const entries: CacheEntryFile[] = [];
  for await (const object of check.objects.list('cache/entries/')) {
    if (!object.key.endsWith('.json')) continue;
    const found = await check.objects.getBytes(object.key);
    if (!found) continue;
    const key = object.key.slice('cache/entries/'.length, -'.json'.length);
    const where = check.uriOf(object.key);
    try {
      const entry = JSON.parse(found.bytes.toString('utf8')) as CacheEntry;
      if (typeof entry?.outputs !== 'object' || entry.outputs === null) entries.push({ key, path: where, problem: 'has no outputs object' });
      else entries.push({ key, path: where, entry });
    } catch (error) {
      entries.push({ key, path: where, problem: (error as Error).message });
    }
  }
  for (const [i, file] of entries.entries()) {
    counts.count++;
    if (!file.entry) {
      check.add(counts, { kind: 'corrupt-cache-entry', severity: 'corrupt', path: file.path, message: `unreadable: ${file.problem}` });
      continue;
    }
    const step = `step "${file.entry.producer?.stepId ?? '?'}" of ${file.entry.producer?.pipeline ?? '?'}`;
    for (const ref of artifactRefsIn(file.entry.outputs)) {
      const hex = artifactHex(ref);
      const state = HEX.test(hex) ? await check.artifactStatus(hex) : undefined;
      if (state === 'corrupt') corrupt.add(hex);
      if (ref.digest !== `sha256:${hex}`) {
        check.add(counts, { kind: 'corrupt-cache-entry', severity: 'corrupt', path: file.path, message: `names ${ref.uri} with digest ${ref.digest}` });
      } else if (state === 'corrupt') {
        check.add(counts, { kind: 'cache-entry-corrupt-output', severity: 'corrupt', path: file.path, message: `${step}: output ${ref.uri} is corrupt, so the step would run again` });
      } else if (state === undefined) {
        check.add(counts, { kind: 'cache-entry-missing-output', severity: 'stale', path: file.path, message: `${step}: output ${ref.uri} is no longer in the store, so the step would run again` });
      }
    }
    check.tick('cache entries', i + 1, entries.length, 0);
  }
  for (const d of derivedFromCorrupt(entries, corrupt)) {
    const how = d.direct ? 'which is corrupt' : 'which was made from a corrupt artifact';
    check.add(counts, { kind: 'cache-entry-derived-from-corrupt', severity: 'corrupt', path: d.path, message: `${d.step}: made from ${d.input}, ${how}, so its outputs may be wrong and the step must run again` });
  }
  // `cache/steps/<pipeline>/<step>.json` only explain misses: a broken one is stale.
  for await (const object of check.objects.list('cache/steps/')) {
    const found = await check.objects.getBytes(object.key);
    if (!found) continue;
    try {
      JSON.parse(found.bytes.toString('utf8'));
    } catch (error) {
      check.add(counts, { kind: 'corrupt-cache-note', severity: 'stale', path: check.uriOf(object.key), message: `unreadable (${(error as Error).message}); it only explains cache misses` });
    }
  }
}
