// `kiln store verify --repair`: delete what verify found broken, so the steps that made it run again, and copy
// registered models back from the store. Cache entries go first (those naming a corrupt artifact and those made
// from one): a lookup between the deletions then misses instead of finding a half-repair.
import fs from 'node:fs/promises';
import path from 'node:path';

import { readRegistry, writeRegistry } from './checkpoint-registry';
import { restoreVersionCopy } from './registry-verify';
import type { VerifyReport } from './verify';
import type { ProblemKind, StoreProblem } from './verify-types';

/** What repair cannot fix by deleting or copying back: files that are not kiln's, and records a person must fix. */
const LEFT_ALONE: ProblemKind[] = ['foreign-file', 'corrupt-model-aliases', 'corrupt-metrics-history'];

export interface RepairResult {
  /** Deleted corrupt artifacts (paths). */
  artifacts: string[];
  /** Deleted cache entries: corrupt ones, those naming a corrupt or missing artifact or made from a corrupt one. */
  cacheEntries: string[];
  /** Deleted corrupt checkpoint directories. */
  checkpoints: string[];
  /** Checkpoint registries rewritten without the checkpoints that are gone. */
  registries: string[];
  /** Registered model copies restored from the store. */
  models: string[];
  /** Problems repair does not touch (files that are not kiln's), for the user to look at. */
  leftAlone: StoreProblem[];
}

export async function repairStore(report: VerifyReport): Promise<RepairResult> {
  const result: RepairResult = { artifacts: [], cacheEntries: [], checkpoints: [], registries: [], models: [], leftAlone: [] };
  const byKind = (...kinds: StoreProblem['kind'][]) => [...new Set(report.problems.filter((p) => kinds.includes(p.kind)).map((p) => p.path))];

  const entryKinds: ProblemKind[] = ['corrupt-cache-entry', 'cache-entry-corrupt-output', 'cache-entry-missing-output', 'cache-entry-derived-from-corrupt', 'corrupt-cache-note'];
  for (const entry of byKind(...entryKinds)) {
    await fs.rm(entry, { force: true });
    result.cacheEntries.push(entry);
  }
  for (const artifact of byKind('corrupt-artifact')) {
    await fs.rm(artifact, { recursive: true, force: true });
    result.artifacts.push(artifact);
  }
  for (const dir of byKind('corrupt-checkpoint')) {
    await fs.rm(dir, { recursive: true, force: true });
    result.checkpoints.push(dir);
  }
  const roots = new Set(byKind('corrupt-checkpoint', 'missing-checkpoint').map((dir) => path.dirname(dir)));
  for (const root of roots) {
    if (await dropMissingFromRegistry(root)) result.registries.push(path.join(root, 'registry.json'));
  }
  for (const p of report.problems.filter((p) => p.kind === 'corrupt-model-version' && p.restoreFrom)) {
    await restoreVersionCopy(p.path, p.restoreFrom!);
    result.models.push(p.path);
  }
  result.leftAlone = report.problems.filter((p) => LEFT_ALONE.includes(p.kind) || (p.kind === 'corrupt-model-version' && !p.restoreFrom));
  return result;
}

/** Rewrites registry.json to name only checkpoint directories that still exist; false when nothing changed. */
async function dropMissingFromRegistry(root: string): Promise<boolean> {
  const registry = await readRegistry(root);
  if (!registry.entries) return false;
  const present = await Promise.all(
    registry.entries.map((e) =>
      fs.stat(path.join(root, e.dir)).then(
        () => true,
        () => false,
      ),
    ),
  );
  const kept = registry.entries.filter((_, i) => present[i]);
  if (kept.length === registry.entries.length) return false;
  await writeRegistry(root, kept);
  return true;
}
