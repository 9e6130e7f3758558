// `kiln store verify`: re-hash every artifact, check every cache entry's artifacts (and the entries made from a
// corrupt one), every registered checkpoint, model copy and metrics history under $KILN_HOME, and say exactly
// which path is wrong. Reads only; repair.ts acts on the report.
import fs from 'node:fs/promises';
import path from 'node:path';

import { contentDigest } from './artifacts';
import { readRegistry, scanStepDirs } from './checkpoint-registry';
import { MANIFEST_FILE, verifyCheckpoint } from './checkpoint-manifest';
import { artifactHex, artifactRefsIn } from './references';
import { listArtifactNames, listCheckpointRuns, readCacheEntries, storeLayout } from './store-walk';
import { checkCacheNotes, checkMetrics, checkModels } from './verify-home';
import { derivedFromCorrupt } from './verify-lineage';
import type { AddProblem, SharedVerifyDepth, StoreProblem, VerifyCounts } from './verify-types';

export type { ProblemKind, Severity, SharedVerifyDepth, StoreProblem, VerifyCounts } from './verify-types';

export interface VerifyReport {
  /** $KILN_HOME, or the shared store's uri (then `shared` says how its objects were checked). */
  home: string;
  shared?: SharedVerifyDepth;
  artifacts: VerifyCounts;
  cacheEntries: VerifyCounts;
  checkpoints: VerifyCounts;
  /** Registered model versions under `models/`. */
  models: VerifyCounts;
  /** Metrics histories under `metrics/`. */
  metrics: VerifyCounts;
  problems: StoreProblem[];
  /** False when anything is corrupt; stale references alone leave it true. */
  ok: boolean;
}

export interface VerifyProgress {
  phase: 'artifacts' | 'cache entries' | 'checkpoints' | 'models' | 'metrics histories';
  done: number;
  total: number;
  bytes: number;
}

export interface VerifyOptions {
  home?: string;
  /** Called every `progressEvery` items of a phase (default 1000), so a large store shows it is moving. */
  onProgress?: (progress: VerifyProgress) => void;
  progressEvery?: number;
}

type ArtifactStatus = 'ok' | 'corrupt';

export async function verifyStore(options: VerifyOptions = {}): Promise<VerifyReport> {
  const layout = storeLayout(options.home);
  const every = Math.max(1, options.progressEvery ?? 1000);
  const tick = (phase: VerifyProgress['phase'], done: number, total: number, bytes: number) => {
    if (done % every === 0 || (done === total && total >= every)) options.onProgress?.({ phase, done, total, bytes });
  };
  const problems: StoreProblem[] = [];
  const counts = (): VerifyCounts => ({ count: 0, bytes: 0, problems: 0 });
  const report: VerifyReport = { home: layout.home, artifacts: counts(), cacheEntries: counts(), checkpoints: counts(), models: counts(), metrics: counts(), problems, ok: true };
  const add = (into: VerifyCounts, problem: StoreProblem) => {
    into.problems++;
    problems.push(problem);
  };

  // Artifacts: the name is the digest, so the content must hash to it.
  const { artifacts, foreign } = await listArtifactNames(layout.store);
  const status = new Map<string, ArtifactStatus>();
  for (const name of foreign) {
    const where = path.join(layout.store, 'sha256', name);
    add(report.artifacts, { kind: 'foreign-file', severity: 'stale', path: where, message: 'not an artifact (its name is not a sha256 digest); kiln leaves it alone' });
  }
  for (const [i, hex] of artifacts.entries()) {
    const where = path.join(layout.store, 'sha256', hex);
    const checked = await checkArtifact(where, hex);
    if (checked !== undefined) {
      report.artifacts.count++;
      report.artifacts.bytes += checked.bytes;
      status.set(hex, checked.problem ? 'corrupt' : 'ok');
      if (checked.problem) add(report.artifacts, { kind: 'corrupt-artifact', severity: 'corrupt', path: where, message: checked.problem });
    }
    tick('artifacts', i + 1, artifacts.length, report.artifacts.bytes);
  }

  // Cache entries: a hit must find every artifact it names intact.
  const entries = await readCacheEntries(layout.cache);
  for (const [i, file] of entries.entries()) {
    report.cacheEntries.count++;
    if (!file.entry) {
      add(report.cacheEntries, { kind: 'corrupt-cache-entry', severity: 'corrupt', path: file.path, message: `unreadable: ${file.problem}` });
      continue;
    }
    const step = `step "${file.entry.producer?.stepId ?? '?'}" of ${file.entry.producer?.pipeline ?? '?'}`;
    for (const ref of artifactRefsIn(file.entry.outputs)) {
      const hex = artifactHex(ref);
      const state = status.get(hex) ?? (await lateStatus(path.join(layout.store, 'sha256', hex), hex));
      if (ref.digest !== `sha256:${hex}`) {
        add(report.cacheEntries, { kind: 'corrupt-cache-entry', severity: 'corrupt', path: file.path, message: `names ${ref.uri} with digest ${ref.digest}` });
      } else if (state === 'corrupt') {
        add(report.cacheEntries, { kind: 'cache-entry-corrupt-output', severity: 'corrupt', path: file.path, message: `${step}: output ${ref.uri} is corrupt, so the step would run again` });
      } else if (state === undefined) {
        add(report.cacheEntries, { kind: 'cache-entry-missing-output', severity: 'stale', path: file.path, message: `${step}: output ${ref.uri} is no longer in the store, so the step would run again` });
      }
    }
    tick('cache entries', i + 1, entries.length, 0);
  }
  // Entries made from a corrupt artifact would hand its damage on as hits: they go too, down the lineage.
  const corrupt = new Set([...status].filter(([, s]) => s === 'corrupt').map(([hex]) => hex));
  for (const d of derivedFromCorrupt(entries, corrupt)) {
    const how = d.direct ? 'which is corrupt' : 'which was made from a corrupt artifact';
    add(report.cacheEntries, { kind: 'cache-entry-derived-from-corrupt', severity: 'corrupt', path: d.path, message: `${d.step}: made from ${d.input}, ${how}, so its outputs may be wrong and the step must run again` });
  }
  await checkCacheNotes(layout.cache, report.cacheEntries, add);

  // Checkpoints: every registered step-<N> directory against its checkpoint.json and the registry's digest.
  const stepRoots = (await listCheckpointRuns(layout.checkpoints)).flatMap((run) => run.stepRoots);
  for (const [i, root] of stepRoots.entries()) {
    await checkCheckpoints(root, report.checkpoints, add);
    tick('checkpoints', i + 1, stepRoots.length, report.checkpoints.bytes);
  }

  // Registered model copies: restorable from the store when their artifact is still there and intact.
  const intactArtifact = async (hex: string) => {
    const where = path.join(layout.store, 'sha256', hex);
    return (status.get(hex) ?? (await lateStatus(where, hex))) === 'ok' ? where : undefined;
  };
  await checkModels(layout.models, report.models, add, intactArtifact);
  if (report.models.count > 0) tick('models', report.models.count, report.models.count, report.models.bytes);
  await checkMetrics(path.join(layout.home, 'metrics'), report.metrics, add);
  if (report.metrics.count > 0) tick('metrics histories', report.metrics.count, report.metrics.count, report.metrics.bytes);

  report.ok = !problems.some((p) => p.severity === 'corrupt');
  return report;
}

/** undefined when the artifact vanished while we looked (a concurrent gc or cache repair). */
async function checkArtifact(where: string, hex: string): Promise<{ bytes: number; problem?: string } | undefined> {
  try {
    const found = await contentDigest(where);
    if (found.hex === hex) return { bytes: found.bytes };
    const what = found.directory ? 'its manifest digest' : 'its content';
    return { bytes: found.bytes, problem: `${what} is sha256:${found.hex}, not the sha256:${hex} it is stored under` };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { bytes: 0, problem: `cannot be read: ${(error as Error).message}` };
  }
}

/** For artifacts stored after the listing was taken. */
async function lateStatus(where: string, hex: string): Promise<ArtifactStatus | undefined> {
  const checked = await checkArtifact(where, hex);
  if (checked === undefined) return undefined;
  return checked.problem ? 'corrupt' : 'ok';
}

async function checkCheckpoints(root: string, counts: VerifyCounts, add: AddProblem): Promise<void> {
  const registry = await readRegistry(root);
  // Without a registry, CheckpointStore falls back to the step directories on disk: check those instead.
  const candidates = registry.entries
    ? registry.entries.map((e) => ({ dir: e.dir, digest: e.digest as string | undefined }))
    : (await scanStepDirs(root)).map((s) => ({ dir: s.dir, digest: undefined }));
  for (const { dir, digest } of candidates) {
    const where = path.join(root, dir);
    const result = await verifyCheckpoint(where, digest);
    if (result.ok) {
      counts.count++;
      const manifestBytes = (await fs.stat(path.join(where, MANIFEST_FILE)).catch(() => undefined))?.size ?? 0;
      counts.bytes += manifestBytes + Object.values(result.manifest.files).reduce((sum, f) => sum + f.bytes, 0);
      continue;
    }
    const present = await fs.stat(where).then(
      () => true,
      () => false,
    );
    if (!present) {
      add(counts, { kind: 'missing-checkpoint', severity: 'stale', path: where, message: 'registered in registry.json but the directory is gone; resuming skips it' });
    } else {
      counts.count++;
      add(counts, { kind: 'corrupt-checkpoint', severity: 'corrupt', path: where, message: result.problem });
    }
  }
}
