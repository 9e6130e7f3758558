import fs from 'node:fs/promises';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { readRegistry } from '../../../store/checkpoint-registry';
import { repairStore } from '../../../store/repair';
import type { ArtifactRef } from '../../../store/types';
import { verifyStore, type VerifyProgress } from '../../../store/verify';
import { cacheEntry, checkpoints, putDir, snapshot, tempHome, type TempHome } from './helpers';

let t: TempHome;
let json: ArtifactRef;
let dir: ArtifactRef;
let entryFile: string;
let checkpointDirs: string[];

beforeEach(async () => {
  t = await tempHome();
  json = await t.store.putJson({ hello: 'world' }, { kind: 'stats' });
  dir = await putDir(t.store, 'alpha');
  entryFile = await cacheEntry(t.cache, 'k1', { stats: json, tokenizer: dir, count: 3 });
  checkpointDirs = await checkpoints(t.home, 'wf-1');
});

afterEach(async () => {
  await t.remove();
});

const kinds = (problems: { kind: string }[]) => problems.map((p) => p.kind).sort();

describe('verifyStore', () => {
  it('counts an intact store and finds nothing wrong', async () => {
    const report = await verifyStore({ home: t.home });
    expect(report.ok).toBe(true);
    expect(report.problems).toEqual([]);
    expect(report.artifacts).toEqual({ count: 2, bytes: json.bytes + dir.bytes, problems: 0 });
    expect(report.cacheEntries).toEqual({ count: 1, bytes: 0, problems: 0 });
    expect(report.checkpoints.count).toBe(2);
    expect(report.checkpoints.bytes).toBeGreaterThan(8); // 2 × 4 bytes of weights plus the manifests
  });

  it('names a file artifact whose bytes changed, and the cache entry that points at it', async () => {
    const target = t.store.pathOf(json);
    await fs.chmod(target, 0o644);
    await fs.writeFile(target, '{"hello": "w0rld"}\n');
    const report = await verifyStore({ home: t.home });
    expect(report.ok).toBe(false);
    expect(kinds(report.problems)).toEqual(['cache-entry-corrupt-output', 'corrupt-artifact']);
    const artifact = report.problems.find((p) => p.kind === 'corrupt-artifact')!;
    expect(artifact.path).toBe(target);
    expect(artifact.message).toMatch(/^its content is sha256:[0-9a-f]{64}, not the sha256:[0-9a-f]{64} it is stored under$/);
    const entry = report.problems.find((p) => p.kind === 'cache-entry-corrupt-output')!;
    expect(entry.path).toBe(entryFile);
    expect(entry.message).toBe(`step "step" of p: output ${json.uri} is corrupt, so the step would run again`);
  });

  it('re-derives a directory artifact from its manifest: a changed inner file is corruption', async () => {
    await fs.appendFile(path.join(t.store.pathOf(dir), 'sub', 'config.json'), ' ');
    const report = await verifyStore({ home: t.home });
    const problem = report.problems.find((p) => p.kind === 'corrupt-artifact')!;
    expect(problem.path).toBe(t.store.pathOf(dir));
    expect(problem.message).toMatch(/^its manifest digest is sha256:/);
  });

  it('flags a damaged checkpoint, and a registered one that is gone only as stale', async () => {
    await fs.writeFile(path.join(checkpointDirs[1]!, 'weights.bin'), new Uint8Array([9, 9, 9, 9]));
    await fs.rm(checkpointDirs[0]!, { recursive: true });
    const report = await verifyStore({ home: t.home });
    expect(report.problems.map((p) => [p.kind, p.severity, p.path])).toEqual([
      ['missing-checkpoint', 'stale', checkpointDirs[0]],
      ['corrupt-checkpoint', 'corrupt', checkpointDirs[1]],
    ]);
    expect(report.problems[1]!.message).toMatch(/^weights\.bin has sha256 [0-9a-f]{64}, the manifest says/);
  });

  it('treats a cache entry whose artifact is gone as stale, and an unreadable entry as corrupt', async () => {
    await fs.rm(t.store.pathOf(dir), { recursive: true });
    const torn = path.join(t.cache.root, 'entries', 'k2.json');
    await fs.writeFile(torn, '{"key": ');
    const report = await verifyStore({ home: t.home });
    expect(report.problems.map((p) => [p.kind, p.severity, p.path])).toEqual([
      ['cache-entry-missing-output', 'stale', entryFile],
      ['corrupt-cache-entry', 'corrupt', torn],
    ]);
    expect(report.ok).toBe(false);
  });

  it('reports progress every N items of each phase', async () => {
    const seen: VerifyProgress[] = [];
    await verifyStore({ home: t.home, progressEvery: 1, onProgress: (p) => seen.push(p) });
    expect(seen.map((p) => `${p.phase} ${p.done}/${p.total}`)).toEqual(['artifacts 1/2', 'artifacts 2/2', 'cache entries 1/1', 'checkpoints 1/1']);
    expect(seen[1]!.bytes).toBe(json.bytes + dir.bytes);
  });

  it('does not change anything it reads', async () => {
    await fs.writeFile(t.store.pathOf(json), 'broken');
    const before = await snapshot(t.home);
    await verifyStore({ home: t.home });
    expect(await snapshot(t.home)).toEqual(before);
  });
});

describe('repairStore', () => {
  it('deletes corrupt artifacts, their cache entries and corrupt checkpoints; the store then verifies and the cache misses', async () => {
    await fs.writeFile(t.store.pathOf(json), 'broken');
    await fs.writeFile(path.join(checkpointDirs[1]!, 'weights.bin'), new Uint8Array([9, 9, 9, 9]));
    await fs.writeFile(path.join(t.store.root, 'sha256', 'notes.txt'), 'mine');
    const result = await repairStore(await verifyStore({ home: t.home }));
    expect(result.artifacts).toEqual([t.store.pathOf(json)]);
    expect(result.cacheEntries).toEqual([entryFile]);
    expect(result.checkpoints).toEqual([checkpointDirs[1]]);
    expect(result.leftAlone.map((p) => path.basename(p.path))).toEqual(['notes.txt']);

    const after = await verifyStore({ home: t.home });
    expect(after.ok).toBe(true);
    expect(kinds(after.problems)).toEqual(['foreign-file']);
    expect(after.artifacts.count).toBe(1); // the intact directory artifact stays
    const registry = await readRegistry(path.dirname(checkpointDirs[0]!));
    expect(registry.entries?.map((e) => e.dir)).toEqual(['step-1']);
    const lookup = await t.cache.lookup('k1', { type: 'test/x@v1', implementation: 1, inputs: {} }, { pipeline: 'p', stepId: 'step' });
    expect(lookup.hit).toBe(false);
  });
});
