import fs from 'node:fs/promises';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { checkpointRoot } from '../../../store/checkpoints';
import { collectGarbage, type GcOptions, type GcRun, type RunLookup, type RunRoots } from '../../../store/gc';
import { artifactHex } from '../../../store/references';
import { ModelRegistry } from '../../../store/registry';
import type { ArtifactRef } from '../../../store/types';
import { cacheEntry, checkpoints, putDir, snapshot, tempHome, type TempHome } from './helpers';

let t: TempHome;
let a: Record<'newest' | 'nested' | 'old' | 'running' | 'model' | 'orphan', ArtifactRef>;
let entries: Record<'newest' | 'orphan', string>;

/** Runs as a fake server lists them: newest first by start time is gc's job, so they come shuffled. */
const RUNS: GcRun[] = [
  { workflowId: 'p-old', startedAt: '2024-01-01T00:00:00Z', running: false },
  { workflowId: 'p-running', startedAt: '2023-06-01T00:00:00Z', running: true },
  { workflowId: 'p-new', startedAt: '2024-02-01T00:00:00Z', running: false },
];

function lookup(roots: Record<string, RunRoots>, runs: GcRun[] = RUNS): RunLookup & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    listRuns: async () => runs,
    runRoots: async (id) => {
      asked.push(id);
      return roots[id] ?? { outputs: null, resumedFrom: [] };
    },
  };
}

let runs: ReturnType<typeof lookup>;
const gc = (options: Partial<GcOptions> = {}) => collectGarbage({ home: t.home, keepRuns: 1, runs, minAgeMs: 0, ...options });
const exists = (p: string) =>
  fs.stat(p).then(
    () => true,
    () => false,
  );
const HOURS_AGO = (h: number) => new Date(Date.now() - h * 3600_000);

beforeEach(async () => {
  t = await tempHome();
  const put = (name: string) => t.store.putJson({ name }, { kind: 'stats' });
  a = { newest: await put('newest'), nested: await putDir(t.store, 'nested'), old: await put('old'), running: await put('running'), model: await put('model'), orphan: await put('orphan') };
  entries = { newest: await cacheEntry(t.cache, 'k-newest', { value: a.newest }), orphan: await cacheEntry(t.cache, 'k-orphan', { value: a.orphan }) };
  runs = lookup({
    // A ref nested in a list and in another ref's meta still counts.
    'p-new': { outputs: [{ stats: a.newest, more: { list: [{ ...a.old, uri: a.nested.uri, digest: a.nested.digest }] } }], resumedFrom: ['p-ancient'] },
    'p-old': { outputs: { stats: a.old }, resumedFrom: [] },
    'p-running': { outputs: { stats: a.running }, resumedFrom: [] },
  });
  for (const id of ['p-new', 'p-old', 'p-running', 'p-ancient', 'p-unknown']) await checkpoints(t.home, id);
  // The registry copies the model's files; its record points back at the artifact it came from.
  const source = path.join(t.home, 'model-src');
  await fs.mkdir(source);
  await fs.writeFile(path.join(source, 'weights.bin'), 'w');
  await new ModelRegistry(path.join(t.home, 'models')).register('sentiment', source, {
    kind: 'classifier',
    digest: a.model.digest,
    source: { uri: a.model.uri, meta: {} },
    lineage: { workflowId: 'p-gone', runId: 'r', step: 'deploy' },
    metrics: null,
  });
});

afterEach(async () => {
  await t.remove();
});

const removedHexes = (r: { removed: { artifacts: { items: string[] } } }) => [...r.removed.artifacts.items].sort();
const hex = (...refs: ArtifactRef[]) => refs.map(artifactHex).sort();

describe('collectGarbage', () => {
  it('keeps what the newest N runs, running runs and model versions need, and deletes the rest', async () => {
    const report = await gc();
    expect(report.keptRuns).toEqual(['p-new', 'p-running']);
    expect(report.runningRuns).toEqual(['p-running']);
    expect(runs.asked.sort()).toEqual(['p-new', 'p-new', 'p-running', 'p-running']); // roots read again before deleting
    expect(report.modelVersions).toBe(1);
    expect(removedHexes(report)).toEqual(hex(a.old, a.orphan));
    expect(report.kept.artifacts).toBe(4);
    for (const kept of [a.newest, a.nested, a.running, a.model]) expect(await exists(t.store.pathOf(kept))).toBe(true);
    for (const gone of [a.old, a.orphan]) expect(await exists(t.store.pathOf(gone))).toBe(false);

    // The cache entry of a deleted artifact goes with it; the others stay.
    expect(report.removed.cacheEntries.items).toEqual(['k-orphan']);
    expect(await exists(entries.orphan)).toBe(false);
    expect(await exists(entries.newest)).toBe(true);

    // Checkpoints: kept runs and the run a kept one resumed from stay.
    expect(report.removed.checkpoints.items.sort()).toEqual(['p-old', 'p-unknown']);
    expect(await exists(checkpointRoot('p-old', 'train', t.home))).toBe(false);
    for (const id of ['p-new', 'p-running', 'p-ancient']) expect(await exists(checkpointRoot(id, 'train', t.home))).toBe(true);
    expect(report.bytesFreed).toBe(
      report.removed.artifacts.bytes + report.removed.cacheEntries.bytes + report.removed.checkpoints.bytes + report.removed.staging.bytes,
    );
    expect(report.removed.artifacts.bytes).toBe(a.old.bytes + a.orphan.bytes);
  });

  it('--dry-run reports the same and changes nothing', async () => {
    const before = await snapshot(t.home);
    const dry = await gc({ dryRun: true });
    expect(await snapshot(t.home)).toEqual(before);
    expect(dry.dryRun).toBe(true);
    expect(runs.asked.sort()).toEqual(['p-new', 'p-running']);
    const real = await gc();
    expect(removedHexes(dry)).toEqual(removedHexes(real));
    expect(dry.removed.checkpoints.items.sort()).toEqual(real.removed.checkpoints.items.sort());
    expect(dry.bytesFreed).toBe(real.bytesFreed);
  });

  it('keeps more with a larger N', async () => {
    const report = await gc({ keepRuns: 2 });
    expect(report.keptRuns).toEqual(['p-new', 'p-old', 'p-running']);
    expect(removedHexes(report)).toEqual(hex(a.orphan));
  });

  it('keeps artifacts and checkpoints younger than the minimum age', async () => {
    const report = await gc({ minAgeMs: 3600_000 });
    expect(report.removed.artifacts.count).toBe(0);
    expect(report.kept.recent).toBe(2);
    expect(report.removed.checkpoints.count).toBe(0);
  });

  it('spares an artifact that a run started during gc has just taken from the cache', async () => {
    let calls = 0;
    const late: GcRun = { workflowId: 'p-late', startedAt: '2024-03-01T00:00:00Z', running: true };
    runs = lookup({ 'p-new': { outputs: a.newest, resumedFrom: [] }, 'p-late': { outputs: a.orphan, resumedFrom: [] } });
    runs.listRuns = async () => (++calls === 1 ? RUNS : [...RUNS, late]);
    const report = await gc();
    expect(await exists(t.store.pathOf(a.orphan))).toBe(true);
    expect(removedHexes(report)).not.toContain(artifactHex(a.orphan));
    expect(await exists(checkpointRoot('p-running', 'train', t.home))).toBe(true);
  });

  it('removes staging directories older than an hour whose writer is gone', async () => {
    const tmp = path.join(t.store.root, 'tmp');
    const make = async (name: string, hoursAgo: number) => {
      await fs.mkdir(path.join(tmp, name), { recursive: true });
      await fs.writeFile(path.join(tmp, name, 'part'), 'x');
      await fs.utimes(path.join(tmp, name, 'part'), HOURS_AGO(hoursAgo), HOURS_AGO(hoursAgo));
      await fs.utimes(path.join(tmp, name), HOURS_AGO(hoursAgo), HOURS_AGO(hoursAgo));
    };
    await make('model-111-aaaaaaaaaaaa', 2); // old, writer dead: removed
    await make('model-222-bbbbbbbbbbbb', 2); // old, writer alive (a long training run): kept
    await make('model-333-cccccccccccc', 0.5); // writer dead but recent: kept
    const report = await gc({ isProcessAlive: (pid) => pid === 222 });
    expect(report.removed.staging.items).toEqual(['model-111-aaaaaaaaaaaa']);
    expect((await fs.readdir(tmp)).sort()).toEqual(['model-222-bbbbbbbbbbbb', 'model-333-cccccccccccc']);
  });

  it('refuses N < 1', async () => {
    await expect(gc({ keepRuns: 0 })).rejects.toThrow('keepRuns must be a whole number >= 1 (got 0)');
  });
});
