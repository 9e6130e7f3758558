// `kiln store verify --repair` on a shared store: what repair.ts does to $KILN_HOME, to the objects the report names.
// Cache entries go first, so that a lookup on another machine between the deletions misses rather than finding an
// entry whose artifact is gone; then corrupt artifact objects (a manifest naming a corrupt or missing file is one),
// then corrupt checkpoints, whose registry.json is rewritten by compare-and-swap without them.
import { REGISTRY_FILE, stepDirName, type RegistryEntry } from '../checkpoint-registry';
import type { RepairResult } from '../repair';
import type { VerifyReport } from '../verify';
import type { ProblemKind, StoreProblem } from '../verify-types';
import { ObjectConflictError, type ObjectStore } from './object-store';

/** What deleting cannot fix: objects that are not kiln's, and records a person must fix (or re-deploy). */
const LEFT_ALONE: ProblemKind[] = ['foreign-file', 'corrupt-model-aliases', 'corrupt-metrics-history', 'corrupt-model-version'];
const ENTRY_KINDS: ProblemKind[] = ['corrupt-cache-entry', 'cache-entry-corrupt-output', 'cache-entry-missing-output', 'cache-entry-derived-from-corrupt', 'corrupt-cache-note'];
const CAS_ATTEMPTS = 20;

export async function repairSharedStore(report: VerifyReport, objects: ObjectStore): Promise<RepairResult> {
  const result: RepairResult = { artifacts: [], cacheEntries: [], checkpoints: [], registries: [], models: [], leftAlone: [] };
  const base = objects.uri.replace(/\/+$/u, '');
  const keyOf = (uri: string): string => {
    if (!uri.startsWith(`${base}/`)) throw new Error(`${uri} is not in ${objects.uri}: the report is not this store's`);
    return uri.slice(base.length + 1);
  };
  const byKind = (...kinds: ProblemKind[]) => [...new Set(report.problems.filter((p) => kinds.includes(p.kind)).map((p) => p.path))];

  for (const entry of byKind(...ENTRY_KINDS)) {
    await objects.delete(keyOf(entry));
    result.cacheEntries.push(entry);
  }
  for (const artifact of byKind('corrupt-artifact')) {
    await objects.delete(keyOf(artifact));
    result.artifacts.push(artifact);
  }
  // A corrupt checkpoint is a step-<N> prefix, or a registry.json that cannot be read (which goes: resumes start over).
  const dropped = new Map<string, Set<string>>();
  for (const uri of byKind('corrupt-checkpoint', 'missing-checkpoint')) {
    const key = keyOf(uri);
    const corrupt = report.problems.some((p) => p.path === uri && p.kind === 'corrupt-checkpoint');
    if (key.endsWith(`/${REGISTRY_FILE}`)) {
      await objects.delete(key);
      result.checkpoints.push(uri);
      continue;
    }
    if (corrupt) {
      for await (const object of objects.list(`${key}/`)) await objects.delete(object.key);
      result.checkpoints.push(uri);
    }
    const root = key.slice(0, key.lastIndexOf('/'));
    dropped.set(root, (dropped.get(root) ?? new Set()).add(key.slice(root.length + 1)));
  }
  for (const [root, dirs] of dropped) {
    if (await dropFromRegistry(objects, `${root}/${REGISTRY_FILE}`, dirs)) result.registries.push(`${base}/${root}/${REGISTRY_FILE}`);
  }
  result.leftAlone = report.problems.filter((p): p is StoreProblem => LEFT_ALONE.includes(p.kind));
  return result;
}

/** Rewrites a checkpoint registry without `dirs`; false when it named none of them (or is gone). */
async function dropFromRegistry(objects: ObjectStore, key: string, dirs: ReadonlySet<string>): Promise<boolean> {
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    const found = await objects.getBytes(key);
    if (!found) return false;
    const parsed = JSON.parse(found.bytes.toString('utf8')) as { format: string; checkpoints: RegistryEntry[] };
    const kept = parsed.checkpoints.filter((e) => !dirs.has(e.dir) && e.dir === stepDirName(e.step));
    if (kept.length === parsed.checkpoints.length) return false;
    try {
      await objects.putBytes(key, Buffer.from(JSON.stringify({ ...parsed, checkpoints: kept }, null, 2) + '\n'), { ifMatch: found.etag });
      return true;
    } catch (error) {
      // A training step pushed a new checkpoint meanwhile: drop ours from its registry instead.
      if (!(error instanceof ObjectConflictError)) throw error;
    }
  }
  throw new Error(`could not rewrite ${objects.uri}/${key} after ${CAS_ATTEMPTS} attempts: it keeps changing (a training step is saving checkpoints)`);
}
