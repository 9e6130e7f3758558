// `kiln store verify --repair`: delete what verify found broken, so the steps that made it run again.
// Cache entries go first: a lookup between the two deletions then misses instead of finding a half-repair.
import fs from 'node:fs/promises';
import path from 'node:path';

import { readRegistry, writeRegistry } from './checkpoint-registry';
import type { StoreProblem, VerifyReport } from './verify';

export interface RepairResult {
  /** Deleted corrupt artifacts (paths). */
  artifacts: string[];
  /** Deleted cache entries: corrupt ones and those naming a corrupt or missing artifact. */
  cacheEntries: string[];
  /** Deleted corrupt checkpoint directories. */
  checkpoints: string[];
  /** Checkpoint registries rewritten without the checkpoints that are gone. */
  registries: string[];
  /** Problems repair does not touch (files that are not kiln's), for the user to look at. */
  leftAlone: StoreProblem[];
}

export async function repairStore(report: VerifyReport): Promise<RepairResult> {
  const result: RepairResult = { artifacts: [], cacheEntries: [], checkpoints: [], registries: [], leftAlone: [] };
  const byKind = (...kinds: StoreProblem['kind'][]) => [...new Set(report.problems.filter((p) => kinds.includes(p.kind)).map((p) => p.path))];

  for (const entry of byKind('corrupt-cache-entry', 'cache-entry-corrupt-output', 'cache-entry-missing-output')) {
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
  result.leftAlone = report.problems.filter((p) => p.kind === 'foreign-file');
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
