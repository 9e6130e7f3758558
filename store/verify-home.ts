// The parts of $KILN_HOME beside the artifact store that `kiln store verify` also checks: registered model
// copies (against their registered digest), model aliases, metrics histories, and the cache's last-inputs notes.
import fs from 'node:fs/promises';
import path from 'node:path';

import { MetricsHistory } from './metrics-history';
import { ModelRegistry } from './registry';
import { versionCopyProblem } from './registry-verify';
import { pathBytes, readdirOrEmpty } from './store-walk';
import type { AddProblem, VerifyCounts } from './verify-types';

/**
 * Every version copy under `models/` must hash (minus its registry.json) to the digest it was registered with.
 * `intactArtifact(hex)` says whether the store still holds that artifact intact, so repair can copy it back.
 */
export async function checkModels(modelsRoot: string, counts: VerifyCounts, add: AddProblem, intactArtifact: (hex: string) => Promise<string | undefined>): Promise<void> {
  const registry = new ModelRegistry(modelsRoot);
  for (const name of await registry.names()) {
    await registry.aliases(name).catch((error: Error) => {
      add(counts, { kind: 'corrupt-model-aliases', severity: 'corrupt', path: registry.aliasesPath(name), message: `${error.message}; rewrite it with \`kiln models promote ${name} VERSION\`` });
    });
    for (const version of await registry.versionNumbers(name)) {
      const dir = registry.versionDir(name, version);
      counts.count++;
      counts.bytes += await pathBytes(dir);
      const record = await registry.record(name, version).catch((error: Error) => {
        add(counts, { kind: 'corrupt-model-version', severity: 'corrupt', path: dir, message: `registry.json is unreadable: ${error.message}` });
        return null;
      });
      if (!record) continue;
      const problem = await versionCopyProblem(dir, record);
      if (!problem) continue;
      const hex = typeof record.digest === 'string' ? record.digest.replace(/^sha256:/, '') : '';
      const restoreFrom = await intactArtifact(hex);
      const then = restoreFrom ? '--repair restores it from the store' : 'the store no longer has its artifact: re-run the pipeline that deployed it';
      add(counts, { kind: 'corrupt-model-version', severity: 'corrupt', path: dir, message: `${problem}; ${then}`, ...(restoreFrom ? { restoreFrom } : {}) });
    }
  }
}

/** Every line of every `metrics/NAME.jsonl` must be a metrics record (they are never rewritten, so never repaired). */
export async function checkMetrics(metricsRoot: string, counts: VerifyCounts, add: AddProblem): Promise<void> {
  const histories = new MetricsHistory(metricsRoot);
  for (const name of await histories.names()) {
    const file = histories.fileOf(name);
    counts.count++;
    counts.bytes += await pathBytes(file);
    await histories.read(name).catch((error: Error & { hint?: string }) => {
      add(counts, { kind: 'corrupt-metrics-history', severity: 'corrupt', path: file, message: `${error.message}${error.hint ? ` (${error.hint})` : ''}` });
    });
  }
}

/** `cache/steps/<pipeline>/<step>.json` only explain misses: a broken one is stale, and repair deletes it. */
export async function checkCacheNotes(cacheRoot: string, counts: VerifyCounts, add: AddProblem): Promise<void> {
  const stepsDir = path.join(cacheRoot, 'steps');
  for (const pipeline of await readdirOrEmpty(stepsDir)) {
    for (const name of await readdirOrEmpty(path.join(stepsDir, pipeline)).catch(() => [])) {
      const file = path.join(stepsDir, pipeline, name);
      try {
        JSON.parse(await fs.readFile(file, 'utf8'));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        add(counts, { kind: 'corrupt-cache-note', severity: 'stale', path: file, message: `unreadable (${(error as Error).message}); it only explains cache misses` });
      }
    }
  }
}
