// `kiln store verify [--repair] [--deep]` on a shared store, against a real S3 server (versitygw): objects damaged
// through S3 and behind its back, a directory manifest naming a file that is gone, the cache entries and model
// aliases that point at damage, and a mirrored checkpoint; repair deletes what is corrupt and what was made from it.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CheckpointStore, checkpointRoot } from '../../../store/checkpoints';
import { CheckpointMirror } from '../../../store/remote/checkpoint-mirror';
import { fileKey, dirKey } from '../../../store/remote/remote-artifacts';
import { RemoteRegistry } from '../../../store/remote/remote-registry';
import { repairSharedStore } from '../../../store/remote/remote-repair';
import { verifySharedStore } from '../../../store/remote/remote-verify';
import { artifactHex } from '../../../store/references';
import type { ArtifactRef } from '../../../store/types';
import type { VerifyReport } from '../../../store/verify';
import { kiln } from '../../helpers/kiln-cli';
import { startS3Server, type S3Server } from '../../helpers/s3-server';
import { keysUnder, maintenanceHost, objectPath, sharedDir, sharedEntry, sharedVersion, type MaintenanceHost } from './store-maintenance-hosts';

let s3: S3Server;
let tmp: string;

beforeAll(async () => {
  s3 = await startS3Server();
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-store-verify-'));
}, 600_000);

afterAll(async () => {
  await s3?.stop();
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

const kinds = (report: VerifyReport) => report.problems.map((p) => `${p.severity} ${p.kind} ${p.path.slice(p.path.lastIndexOf('/') + 1)}`).sort();

interface World {
  host: MaintenanceHost;
  uri: string;
  a: Record<'stats' | 'derived' | 'tok' | 'model', ArtifactRef>;
}

/** A store with two file and two directory artifacts, four cache entries (one made from another's output), a model and a history. */
async function world(prefix: string): Promise<World> {
  const host = await maintenanceHost(s3, tmp, prefix, 'a');
  const put = (name: string) => host.store.putJson({ name }, { kind: 'stats' });
  const a = { stats: await put('stats'), derived: await put('derived'), tok: await sharedDir(host, 'tok'), model: await sharedDir(host, 'model') };
  await sharedEntry(host, 'k-stats', { stats: a.stats });
  await sharedEntry(host, 'k-tok', { tokenizer: a.tok });
  await sharedEntry(host, 'k-derived', { value: a.derived }, [a.stats]);
  await sharedEntry(host, 'k-model', { model: a.model });
  await sharedVersion(host, 'sentiment', 1, a.model);
  await new RemoteRegistry(host.objects).updateAliases('sentiment', () => ({ production: 1 }));
  await host.objects.putBytes('metrics/nightly.jsonl', Buffer.from(JSON.stringify({ at: '2024-01-01T00:00:00Z', run: 'r', step: 's', metrics: { f1: 0.9 } }) + '\n'));
  return { host, uri: `s3://${s3.bucket}/${prefix}`, a };
}

/** The sha256 key of the file `name` inside a directory artifact, from its manifest. */
async function memberKey(host: MaintenanceHost, dir: ArtifactRef, name: string): Promise<string> {
  const manifest = JSON.parse((await host.objects.getBytes(dirKey(artifactHex(dir))))!.bytes.toString('utf8')) as { path: string; sha256: string }[];
  return fileKey(manifest.find((e) => e.path === name)!.sha256);
}

describe('kiln store verify on a shared store', () => {
  it('passes an intact store, checking each object by the sha256 recorded at upload', async () => {
    const { host, uri } = await world('intact');
    const report = await verifySharedStore(host.objects);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.home).toBe(uri);
    expect(report.shared).toEqual({ uri, depth: 'metadata', downloaded: { objects: 0, bytes: 0 } });
    // Two file artifacts, two manifests and their four files.
    expect(report.artifacts.count).toBe(8);
    expect(report.cacheEntries.count).toBe(4);
    expect(report.models.count).toBe(1);
    expect(report.metrics.count).toBe(1);

    const deep = await verifySharedStore(host.objects, { deep: true });
    expect(deep.ok).toBe(true);
    expect(deep.shared?.depth).toBe('deep');
    expect(deep.shared?.downloaded.objects).toBe(6);
  });

  it('finds an overwritten object, a manifest naming a missing file and an alias naming no version; --repair deletes them and the entries made from them', async () => {
    const { host, uri, a } = await world('damaged');
    const statsKey = fileKey(artifactHex(a.stats));
    const vocabKey = await memberKey(host, a.tok, 'vocab.txt');
    await host.objects.putBytes(statsKey, Buffer.from('tampered\n'));
    await host.objects.delete(vocabKey);
    await new RemoteRegistry(host.objects).updateAliases('sentiment', (aliases) => ({ ...aliases, canary: 9 }));

    const report = await verifySharedStore(host.objects);
    expect(report.ok).toBe(false);
    expect(kinds(report)).toEqual([
      'corrupt cache-entry-corrupt-output k-stats.json',
      'corrupt cache-entry-corrupt-output k-tok.json',
      'corrupt cache-entry-derived-from-corrupt k-derived.json',
      'corrupt corrupt-artifact ' + artifactHex(a.stats),
      'corrupt corrupt-artifact ' + artifactHex(a.tok) + '.json',
      'corrupt corrupt-model-aliases aliases.json',
    ]);
    const byPath = Object.fromEntries(report.problems.map((p) => [p.path, p.message]));
    expect(byPath[`${uri}/${statsKey}`]).toMatch(/^the sha256 recorded with it at upload is sha256:[0-9a-f]{64}, not the sha256:[0-9a-f]{64} it is stored under$/u);
    expect(byPath[`${uri}/${dirKey(artifactHex(a.tok))}`]).toBe(`the directory cannot be read back: vocab.txt (${vocabKey}) is missing`);
    expect(byPath[`${uri}/models/sentiment/aliases.json`]).toContain("alias 'canary' names version 9, which does not exist (versions: 1)");

    const repair = await repairSharedStore(report, host.objects);
    expect(repair.cacheEntries.map((p) => p.slice(uri.length + 1)).sort()).toEqual(['cache/entries/k-derived.json', 'cache/entries/k-stats.json', 'cache/entries/k-tok.json']);
    expect(repair.artifacts.map((p) => p.slice(uri.length + 1)).sort()).toEqual([dirKey(artifactHex(a.tok)), statsKey].sort());
    expect(repair.leftAlone.map((p) => p.kind)).toEqual(['corrupt-model-aliases']);
    expect(await keysUnder(host.objects, 'cache/entries/')).toEqual(['cache/entries/k-model.json']);
    expect(await host.objects.head(statsKey)).toBeUndefined();
    expect(await host.objects.head(dirKey(artifactHex(a.tok)))).toBeUndefined();

    // What is left is intact, but for the alias a person must move.
    const after = await verifySharedStore(host.objects);
    expect(kinds(after)).toEqual(['corrupt corrupt-model-aliases aliases.json']);
    // The model's artifact still reads back on another machine.
    const other = await maintenanceHost(s3, tmp, 'damaged', 'b');
    await other.store.assertIntact(a.model);
  });

  it('sees bytes changed behind the server only with --deep', async () => {
    const { host, uri, a } = await world('deep');
    const key = fileKey(artifactHex(a.derived));
    const file = objectPath(s3, 'deep', key);
    const bytes = await fs.readFile(file);
    bytes[0] = bytes[0]! ^ 1;
    await fs.writeFile(file, bytes);

    expect((await verifySharedStore(host.objects)).problems).toEqual([]);
    const deep = await verifySharedStore(host.objects, { deep: true });
    expect(kinds(deep)).toEqual(['corrupt cache-entry-corrupt-output k-derived.json', `corrupt corrupt-artifact ${artifactHex(a.derived)}`]);
    expect(deep.problems.find((p) => p.kind === 'corrupt-artifact')).toMatchObject({
      path: `${uri}/${key}`,
      message: expect.stringMatching(/^its content is sha256:[0-9a-f]{64}, not the sha256:[0-9a-f]{64} it is stored under$/u),
    });
  });

  it('checks mirrored checkpoints; --repair deletes a damaged one and rewrites the registry without it', async () => {
    const { host, uri } = await world('checkpoints');
    const root = checkpointRoot('run-1', 'train', host.home);
    const checkpoints = new CheckpointStore(root);
    const mirror = new CheckpointMirror(host.objects, path.join(host.home, 'checkpoints'));
    for (const step of [1, 2]) await mirror.for(root).push(await checkpoints.save(step, new Map([['weights.bin', new Uint8Array([step, 2, 3])]]), { lr: 0.1 }));
    expect((await verifySharedStore(host.objects)).checkpoints).toEqual({ count: 2, bytes: expect.any(Number), problems: 0 });

    await host.objects.putBytes('checkpoints/run-1/train/step-2/weights.bin', Buffer.from([9, 9, 9]));
    const report = await verifySharedStore(host.objects);
    expect(report.problems).toEqual([
      {
        kind: 'corrupt-checkpoint',
        severity: 'corrupt',
        path: `${uri}/checkpoints/run-1/train/step-2`,
        message: expect.stringMatching(/^weights\.bin: the sha256 recorded with it is [0-9a-f]{64}, the manifest says [0-9a-f]{64}$/u),
      },
    ]);
    const repair = await repairSharedStore(report, host.objects);
    expect(repair.checkpoints).toEqual([`${uri}/checkpoints/run-1/train/step-2`]);
    expect(repair.registries).toEqual([`${uri}/checkpoints/run-1/train/registry.json`]);
    expect(await keysUnder(host.objects, 'checkpoints/run-1/train/step-2/')).toEqual([]);
    const registry = JSON.parse((await host.objects.getBytes('checkpoints/run-1/train/registry.json'))!.bytes.toString('utf8'));
    expect(registry.checkpoints.map((e: { dir: string }) => e.dir)).toEqual(['step-1']);
    expect((await verifySharedStore(host.objects)).ok).toBe(true);
  });

  it('the command names the store, says how it checked, and exits 1 until --repair has deleted the damage', async () => {
    const { host, uri, a } = await world('cli');
    const statsKey = fileKey(artifactHex(a.stats));
    await host.objects.putBytes(statsKey, Buffer.from('tampered\n'));
    const env = { ...host.env, KILN_HOME: host.home };

    const result = await kiln(['store', 'verify'], { env });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain(`store: ${uri} at ${s3.endpoint} (us-east-1)`);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(`store ${uri}`);
    expect(lines[1]).toBe('  objects checked by the sha256 kiln recorded with each at upload; `--deep` downloads and hashes every object');
    expect(result.stdout).toContain(`corrupt  artifact     ${uri}/${statsKey}: the sha256 recorded with it at upload is sha256:`);
    expect(result.stdout).toContain(`corrupt  cache entry  ${uri}/cache/entries/k-stats.json: step "k-stats" of p: output ${a.stats.uri} is corrupt`);

    const repaired = await kiln(['store', 'verify', '--repair', '--deep'], { env });
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(repaired.stdout.split('\n')[1]).toMatch(/^ {2}every object downloaded and hashed \(6 objects, \d+ B\)$/u);
    expect(repaired.stdout).toContain(`  deleted ${uri}/${statsKey}`);
    expect(repaired.stdout).toContain(`  deleted ${uri}/cache/entries/k-derived.json`);

    const again = await kiln(['store', 'verify', '--json'], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, home: uri, problems: [], shared: { uri, depth: 'metadata' } });
  });
});
