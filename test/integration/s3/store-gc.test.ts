// `kiln store gc --keep-runs N` on a shared store, against a real S3 server (versitygw): what the newest runs, a
// running run, a registered model and a kept directory's manifest name stays; the rest goes once a gc has found it
// unreferenced for the grace period, with the cache entries and checkpoints that would point at it, and multipart
// uploads a dead process left. This machine's copies of what went are evicted from its cache.
import { CreateMultipartUploadCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { CheckpointStore, checkpointRoot } from '../../../store/checkpoints';
import type { GcRun, RunLookup, RunRoots } from '../../../store/gc';
import { CheckpointMirror } from '../../../store/remote/checkpoint-mirror';
import { MARKS_KEY } from '../../../store/remote/gc-marks';
import { incompleteUploadsFromEnv } from '../../../store/remote/incomplete-uploads';
import { dirKey, fileKey } from '../../../store/remote/remote-artifacts';
import { collectSharedGarbage, type SharedGcOptions } from '../../../store/remote/remote-gc';
import { s3ClientFromEnv } from '../../../store/remote/s3-client';
import { artifactHex } from '../../../store/references';
import type { ArtifactRef } from '../../../store/types';
import { kiln } from '../../helpers/kiln-cli';
import { startS3Server, type S3Server } from '../../helpers/s3-server';
import { keysUnder, maintenanceHost, sharedDir, sharedEntry, sharedVersion, type MaintenanceHost } from './store-maintenance-hosts';

const HOUR = 3_600_000;
const GiB = 1024 ** 3;
let s3: S3Server;
let client: S3Client;
let tmp: string;

beforeAll(async () => {
  s3 = await startS3Server();
  client = s3ClientFromEnv(s3.env);
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-store-gc-'));
}, 600_000);

afterAll(async () => {
  client?.destroy();
  await s3?.stop();
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

const RUNS: GcRun[] = [
  { workflowId: 'p-old', startedAt: '2024-01-01T00:00:00Z', running: false },
  { workflowId: 'p-running', startedAt: '2023-06-01T00:00:00Z', running: true },
  { workflowId: 'p-new', startedAt: '2024-02-01T00:00:00Z', running: false },
];

function lookup(roots: Record<string, RunRoots>): RunLookup {
  return { listRuns: async () => RUNS, runRoots: async (id) => roots[id] ?? { outputs: null, resumedFrom: [] } };
}

type Name = 'newest' | 'old' | 'running' | 'orphan' | 'nested' | 'model' | 'keepme' | 'dropme';

interface World {
  host: MaintenanceHost;
  prefix: string;
  a: Record<Name, ArtifactRef>;
  runs: RunLookup;
  /** The file objects of the two directories that share `common.txt`. */
  members: { common: string; onlyKeep: string; onlyDrop: string };
}

/** Two directories that share one file (content-addressed files are stored once). */
async function overlappingDir(host: MaintenanceHost, label: string): Promise<ArtifactRef> {
  const dir = path.join(await host.store.stagingDir('test'), label);
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'common.txt'), 'the same in both\n');
  await fs.writeFile(path.join(dir, `${label}.txt`), `only in ${label}\n`);
  const ref = await host.store.putDirectory(dir, { kind: 'tokenizer' });
  await fs.rm(path.dirname(dir), { recursive: true, force: true });
  return ref;
}

async function world(prefix: string): Promise<World> {
  const host = await maintenanceHost(s3, tmp, prefix, 'a');
  const put = (name: string) => host.store.putJson({ name }, { kind: 'stats' });
  const a: Record<Name, ArtifactRef> = {
    newest: await put('newest'),
    old: await put('old'),
    running: await put('running'),
    orphan: await put('orphan'),
    nested: await sharedDir(host, 'nested'),
    model: await sharedDir(host, 'model'),
    keepme: await overlappingDir(host, 'keepme'),
    dropme: await overlappingDir(host, 'dropme'),
  };
  await sharedEntry(host, 'k-newest', { value: a.newest });
  await sharedEntry(host, 'k-orphan', { value: a.orphan });
  await sharedVersion(host, 'sentiment', 1, a.model);
  const runs = lookup({
    // A ref nested in a list and in another ref's meta still counts.
    'p-new': { outputs: [{ stats: a.newest, more: { list: [{ ...a.old, uri: a.nested.uri, digest: a.nested.digest }] }, tok: a.keepme }], resumedFrom: [] },
    'p-old': { outputs: { stats: a.old }, resumedFrom: [] },
    'p-running': { outputs: { stats: a.running }, resumedFrom: [] },
  });
  const mirror = new CheckpointMirror(host.objects, path.join(host.home, 'checkpoints'));
  for (const run of ['p-new', 'p-old']) {
    const root = checkpointRoot(run, 'train', host.home);
    await mirror.for(root).push(await new CheckpointStore(root).save(1, new Map([['weights.bin', new Uint8Array([1, 2, 3])]]), {}));
  }
  const manifest = async (ref: ArtifactRef) =>
    JSON.parse((await host.objects.getBytes(dirKey(artifactHex(ref))))!.bytes.toString('utf8')) as { path: string; sha256: string }[];
  const keep = await manifest(a.keepme);
  const drop = await manifest(a.dropme);
  const member = (m: { path: string; sha256: string }[], name: string) => m.find((e) => e.path === name)!.sha256;
  const members = { common: member(keep, 'common.txt'), onlyKeep: member(keep, 'keepme.txt'), onlyDrop: member(drop, 'dropme.txt') };
  expect(member(drop, 'common.txt')).toBe(members.common);
  return { host, prefix, a, runs, members };
}

/** Sets every file and directory of this machine's cache to `ms` (as if last used then). */
async function ageCache(host: MaintenanceHost, ms: number): Promise<void> {
  const root = path.join(host.store.root, 'sha256');
  for (const entry of await fs.readdir(root, { recursive: true })) await fs.utimes(path.join(root, entry), ms / 1000, ms / 1000);
  await fs.utimes(root, ms / 1000, ms / 1000);
}

const gc = (w: World, options: Partial<SharedGcOptions> = {}) =>
  collectSharedGarbage({ objects: w.host.objects, home: w.host.home, keepRuns: 1, runs: w.runs, minAgeMs: 0, cacheMaxBytes: 20 * GiB, ...options });
const sorted = (items: string[]) => [...items].sort();
const hexes = (...refs: ArtifactRef[]) => refs.map(artifactHex);

describe('kiln store gc on a shared store', () => {
  it('deletes what no kept run, model or kept manifest names, the cache entries and checkpoints that need it, and abandoned uploads', async () => {
    const w = await world('sweep');
    const { a, members, host } = w;
    const upload = await client.send(new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: `sweep/${fileKey('0'.repeat(64))}` }));
    await ageCache(host, Date.now() - 2 * HOUR);

    const report = await gc(w, { uploads: incompleteUploadsFromEnv(host.env), uploadMinAgeMs: 0 });
    expect(report.keptRuns).toEqual(['p-new', 'p-running']);
    expect(report.modelVersions).toBe(1);
    expect(sorted(report.removed.artifacts.items)).toEqual(sorted([...hexes(a.old, a.orphan, a.dropme), members.onlyDrop]));
    expect(report.removed.cacheEntries.items).toEqual(['k-orphan']);
    expect(report.removed.checkpoints.items).toEqual(['p-old']);
    expect(report.removed.uploads.items).toEqual([fileKey('0'.repeat(64))]);
    expect(report.uploadsSkipped).toBeUndefined();
    expect(report.kept).toMatchObject({ artifacts: 11, waiting: 0 });

    const files = await keysUnder(host.objects, 'artifacts/files/');
    const dirs = await keysUnder(host.objects, 'artifacts/dirs/');
    for (const hex of [...hexes(a.newest, a.running), members.common, members.onlyKeep]) expect(files).toContain(fileKey(hex));
    for (const hex of hexes(a.old, a.orphan)) expect(files).not.toContain(fileKey(hex));
    expect(files).not.toContain(fileKey(members.onlyDrop));
    expect(sorted(dirs)).toEqual(sorted(hexes(a.nested, a.model, a.keepme).map(dirKey)));
    expect(await keysUnder(host.objects, 'cache/entries/')).toEqual(['cache/entries/k-newest.json']);
    expect(await keysUnder(host.objects, 'checkpoints/p-old/')).toEqual([]);
    expect(await keysUnder(host.objects, 'checkpoints/p-new/')).not.toEqual([]);
    const listed = await client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket, Prefix: 'sweep/' }));
    expect((listed.Uploads ?? []).map((u) => u.UploadId)).not.toContain(upload.UploadId);
    // What is kept still reads back on a machine that has none of it.
    const other = await maintenanceHost(s3, tmp, 'sweep', 'b');
    for (const kept of [a.newest, a.nested, a.model, a.keepme, a.running]) await other.store.assertIntact(kept);

    // This machine's copies of what was deleted go too (they were idle); the rest stays cached.
    expect(sorted(report.local.cache.items)).toEqual(sorted(hexes(a.old, a.orphan, a.dropme)));
    const cached = await fs.readdir(path.join(host.store.root, 'sha256'));
    expect(sorted(cached)).toEqual(sorted(hexes(a.newest, a.running, a.nested, a.model, a.keepme)));
    // So do this machine's copies of the checkpoints of runs not kept.
    expect(report.local.checkpoints.items).toEqual(['p-old']);
    expect(await fs.readdir(path.join(host.home, 'checkpoints'))).toEqual(['p-new']);
  });

  it('deletes only what a gc found unreferenced at least the grace period ago, and forgets what is referenced again', async () => {
    const w = await world('grace');
    const t0 = Date.parse('2030-01-01T00:00:00Z');
    const first = await gc(w, { minAgeMs: HOUR, now: () => t0 });
    expect(first.removed.artifacts.count).toBe(0);
    expect(first.removed.cacheEntries.count).toBe(0);
    expect(first.removed.checkpoints.count).toBe(0);
    expect(first.kept).toMatchObject({ waiting: 4, newlyMarked: 4 }); // old, orphan, dropme's manifest and the file only it names
    const marks = JSON.parse((await w.host.objects.getBytes(MARKS_KEY))!.bytes.toString('utf8'));
    expect(marks.marks[fileKey(artifactHex(w.a.old))]).toBe('2030-01-01T00:00:00.000Z');
    expect(marks.marks['checkpoints/p-old/']).toBe('2030-01-01T00:00:00.000Z');

    expect((await gc(w, { minAgeMs: HOUR, now: () => t0 + HOUR / 2 })).removed.artifacts.count).toBe(0);

    // Meanwhile a new run took the orphan from the cache: it is referenced again, and its mark goes.
    w.runs = lookup({
      'p-new': { outputs: [w.a.newest, w.a.nested, w.a.keepme, w.a.orphan], resumedFrom: [] },
      'p-running': { outputs: w.a.running, resumedFrom: [] },
    });
    const later = await gc(w, { minAgeMs: HOUR, now: () => t0 + HOUR });
    expect(sorted(later.removed.artifacts.items)).toEqual(sorted([...hexes(w.a.old, w.a.dropme), w.members.onlyDrop]));
    expect(later.removed.checkpoints.items).toEqual(['p-old']);
    expect(await w.host.objects.head(fileKey(artifactHex(w.a.orphan)))).toBeDefined();
    const after = JSON.parse((await w.host.objects.getBytes(MARKS_KEY))!.bytes.toString('utf8'));
    expect(after.marks).toEqual({});
  });

  it('spares what a run started during gc has just taken from the cache, and the files of a directory it names', async () => {
    const w = await world('late');
    let calls = 0;
    const late: GcRun = { workflowId: 'p-late', startedAt: '2024-03-01T00:00:00Z', running: true };
    const roots = { outputs: [w.a.orphan, w.a.dropme], resumedFrom: [] };
    const base = w.runs;
    w.runs = {
      listRuns: async () => (++calls === 1 ? RUNS : [...RUNS, late]),
      runRoots: async (id) => (id === 'p-late' ? roots : base.runRoots(id)),
    };
    const report = await gc(w);
    expect(report.removed.artifacts.items).toEqual(hexes(w.a.old));
    for (const key of [fileKey(artifactHex(w.a.orphan)), dirKey(artifactHex(w.a.dropme)), fileKey(w.members.onlyDrop)]) {
      expect(await w.host.objects.head(key)).toBeDefined();
    }
    await (await maintenanceHost(s3, tmp, 'late', 'b')).store.assertIntact(w.a.dropme);
  });

  it('--dry-run reports what a real gc removes and changes nothing', async () => {
    const w = await world('dry');
    const before = sorted(await keysUnder(w.host.objects, ''));
    const dry = await gc(w, { dryRun: true });
    expect(sorted(await keysUnder(w.host.objects, ''))).toEqual(before);
    const real = await gc(w);
    expect(dry.dryRun).toBe(true);
    expect(sorted(dry.removed.artifacts.items)).toEqual(sorted(real.removed.artifacts.items));
    expect(dry.removed.cacheEntries.items).toEqual(real.removed.cacheEntries.items);
    expect(dry.removed.checkpoints.items).toEqual(real.removed.checkpoints.items);
    expect(dry.bytesFreed).toBe(real.bytesFreed);
    expect(real.bytesFreed).toBeGreaterThan(0);
  });

  it('the command names the store and keeps fresh garbage through its grace period', async () => {
    const w = await world('cli');
    const result = await kiln(['store', 'gc', '--keep-runs', '1', '--dry-run'], { env: { ...w.host.env, KILN_HOME: w.host.home, TEMPORAL_ADDRESS: inject('temporalAddress') } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`store: s3://${s3.bucket}/cli at ${s3.endpoint} (us-east-1)`);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(`dry run, nothing deleted: keeping what the newest 1 run(s) need in s3://${s3.bucket}/cli`);
    // No run on the test's server names this prefix's artifacts: only the model's are referenced, and nothing is old enough.
    expect(lines[1]).toMatch(/^ {2}kept: \d+ run\(s\).*, 1 model version\(s\); 3 artifact object\(s\) \(\d+ B\) referenced; 12 unreferenced, kept until 1 hour after a gc first found them so \(12 found now\)$/u);
    expect(result.stdout).toMatch(/^ {4}artifact objects {11}0 {8}0 B$/mu);
    expect(result.stdout).toMatch(/^ {4}incomplete uploads {9}0 {11}$/mu);
    expect(result.stdout).toContain("this machine's cache of it:");
    expect(await w.host.objects.head(MARKS_KEY)).toBeUndefined();
  });
});

