import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { CheckpointConfigMismatchError, CheckpointError } from '../../../store/checkpoint-errors';
import { CheckpointStore, checkpointRoot } from '../../../store/checkpoints';

const CONFIG = { model: { hidden_size: 16, num_layers: 1 }, seed: 42 };

function files(step: number): Map<string, Uint8Array> {
  return new Map([
    ['state.bin', Buffer.from(`weights at step ${step}`)],
    ['state.json', Buffer.from(JSON.stringify({ step }))],
  ]);
}

let root: string;
let logs: string[];
let store: CheckpointStore;

beforeEach(async () => {
  root = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-ckpt-')), 'wf', 'pretrain');
  logs = [];
  store = new CheckpointStore(root, { keep: 3, log: (m) => logs.push(m) });
});

afterEach(async () => {
  await fs.rm(path.dirname(path.dirname(root)), { recursive: true, force: true });
});

async function flipByte(file: string): Promise<void> {
  const data = await fs.readFile(file);
  data[0] = data[0]! ^ 0xff;
  await fs.writeFile(file, data);
}

describe('CheckpointStore', () => {
  it('writes files with a manifest of digests, registers them, and reports the manifest digest', async () => {
    const record = await store.save(3, files(3), CONFIG);
    expect(record).toEqual({ step: 3, path: path.join(root, 'step-3'), digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    const manifestBytes = await fs.readFile(path.join(root, 'step-3', 'checkpoint.json'));
    expect(record.digest).toBe(`sha256:${createHash('sha256').update(manifestBytes).digest('hex')}`);
    const manifest = JSON.parse(manifestBytes.toString());
    expect(manifest.step).toBe(3);
    expect(manifest.config).toEqual(CONFIG);
    expect(manifest.files['state.bin']).toEqual({
      sha256: createHash('sha256').update('weights at step 3').digest('hex'),
      bytes: 'weights at step 3'.length,
    });
    expect((await fs.readdir(root)).sort()).toEqual(['registry.json', 'step-3']);
    expect(await store.list()).toEqual([record]);

    const latest = await store.latestVerified({ config: CONFIG });
    expect(latest?.record).toEqual(record);
    expect(latest?.files.get('state.bin')?.toString()).toBe('weights at step 3');
  });

  it('returns null when there is no checkpoint at all', async () => {
    expect(await store.latestVerified({ config: CONFIG })).toBeNull();
  });

  it('ignores a leftover temp directory of a crashed save, and the next save removes it', async () => {
    await store.save(3, files(3), CONFIG);
    const temp = path.join(root, '.step-6.999.abcd1234.tmp');
    await fs.mkdir(temp);
    await fs.writeFile(path.join(temp, 'state.bin'), 'half written');
    expect((await store.latestVerified({ config: CONFIG }))?.record.step).toBe(3);
    await store.save(6, files(6), CONFIG);
    expect((await fs.readdir(root)).sort()).toEqual(['registry.json', 'step-3', 'step-6']);
  });

  it('falls back to the previous checkpoint when the newest is damaged, saying which and why', async () => {
    await store.save(3, files(3), CONFIG);
    await store.save(6, files(6), CONFIG);
    await flipByte(path.join(root, 'step-6', 'state.bin'));
    const latest = await store.latestVerified({ config: CONFIG });
    expect(latest?.record.step).toBe(3);
    expect(latest?.files.get('state.json')?.toString()).toBe('{"step":3}');
    expect(logs.join('\n')).toMatch(/step-6 skipped: state\.bin has sha256 [0-9a-f]+, the manifest says/);
  });

  it('falls back when the newest checkpoint.json no longer matches the registry', async () => {
    await store.save(3, files(3), CONFIG);
    await store.save(6, files(6), CONFIG);
    const manifest = path.join(root, 'step-6', 'checkpoint.json');
    await fs.writeFile(manifest, (await fs.readFile(manifest, 'utf8')).replace('"step": 6', '"step": 6 '));
    expect((await store.latestVerified({ config: CONFIG }))?.record.step).toBe(3);
    expect(logs.join('\n')).toMatch(/step-6 skipped: checkpoint\.json has digest sha256:\w+, the registry recorded/);
  });

  it('throws a CorruptCheckpoint error when every checkpoint is damaged', async () => {
    await store.save(3, files(3), CONFIG);
    await store.save(6, files(6), CONFIG);
    await fs.truncate(path.join(root, 'step-3', 'state.bin'), 4);
    await fs.rm(path.join(root, 'step-6', 'state.json'));
    const error = await store.latestVerified({ config: CONFIG }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as CheckpointError).type).toBe('CorruptCheckpoint');
    expect((error as CheckpointError).message).toMatch(/all 2 checkpoint\(s\) in .* are damaged: step-6: state\.json: .*; step-3: state\.bin has 4 bytes/);
    expect((error as CheckpointError).hint).toContain(`delete ${root}`);
  });

  it('names the differing keys and the fix when the config changed', async () => {
    await store.save(3, files(3), CONFIG);
    const changed = { model: { hidden_size: 32, num_layers: 1 }, seed: 42, batch_size: 4 };
    const error = await store.latestVerified({ config: changed }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointConfigMismatchError);
    const mismatch = error as CheckpointConfigMismatchError;
    expect(mismatch.type).toBe('CorruptCheckpoint');
    expect(mismatch.differences).toEqual(['batch_size: absent (checkpoint) vs 4 (now)', 'model.hidden_size: 16 (checkpoint) vs 32 (now)']);
    expect(mismatch.hint).toMatch(/change the config back .* or start a fresh run/);
  });

  it('keeps the newest keep_checkpoints and deletes the rest', async () => {
    const small = new CheckpointStore(root, { keep: 2 });
    for (const step of [2, 4, 6, 8]) await small.save(step, files(step), CONFIG);
    expect((await fs.readdir(root)).sort()).toEqual(['registry.json', 'step-6', 'step-8']);
    expect((await small.list()).map((r) => r.step)).toEqual([6, 8]);
  });

  it('drops checkpoints beyond a new save: training resumed before them', async () => {
    for (const step of [3, 6, 9]) await store.save(step, files(step), CONFIG);
    await store.save(5, files(5), CONFIG);
    expect((await store.list()).map((r) => r.step)).toEqual([3, 5]);
    expect((await fs.readdir(root)).sort()).toEqual(['registry.json', 'step-3', 'step-5']);
  });

  it('finds checkpoints by their directories when registry.json is damaged', async () => {
    await store.save(3, files(3), CONFIG);
    await store.save(6, files(6), CONFIG);
    await fs.writeFile(path.join(root, 'registry.json'), '{"format": "kiln/checkp');
    expect((await store.latestVerified({ config: CONFIG }))?.record.step).toBe(6);
    expect(logs.join('\n')).toMatch(/registry\.json is not JSON .*checking the 2 step directories/);
    await store.save(9, files(9), CONFIG); // rebuilds the registry from what verifies
    expect((await store.list()).map((r) => r.step)).toEqual([3, 6, 9]);
  });

  it('uses a checkpoint named by a heartbeat, and ignores one whose directory does not exist here', async () => {
    const other = new CheckpointStore(path.join(path.dirname(root), 'elsewhere'));
    const hinted = await other.save(4, files(4), CONFIG);
    expect((await store.latestVerified({ config: CONFIG, hint: hinted }))?.record).toEqual(hinted);
    const gone = { step: 7, path: path.join(root, 'nowhere', 'step-7'), digest: hinted.digest };
    expect(await store.latestVerified({ config: CONFIG, hint: gone })).toBeNull();
    expect(logs.join('\n')).toMatch(/step-7 skipped: no checkpoint\.json/);
  });

  it('keeps workflow and step ids inside the checkpoint root', () => {
    expect(checkpointRoot('run-1', 'pretrain', '/home/k')).toBe('/home/k/checkpoints/run-1/pretrain');
    expect(checkpointRoot('../..', 'a/b', '/home/k')).toBe('/home/k/checkpoints/..%2f../a%2fb');
    expect(checkpointRoot('..', '.', '/home/k')).toBe('/home/k/checkpoints/_../_.');
  });
});
