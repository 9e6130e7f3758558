import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ModelRegistry, type RegisterOptions } from '../../../store/registry';
import { formatModelRef, parseModelRef } from '../../../store/registry-ref';
import { RegistryError } from '../../../store/registry-types';

let tmp: string;
let registry: ModelRegistry;

/** A fake model directory whose content (and so digest stand-in) is `tag`. */
async function modelDir(tag: string): Promise<string> {
  const dir = path.join(tmp, 'src', tag);
  await fs.mkdir(path.join(dir, 'sub'), { recursive: true });
  await fs.writeFile(path.join(dir, 'weights.bin'), tag);
  await fs.writeFile(path.join(dir, 'sub', 'vocab.txt'), '[PAD]\n');
  return dir;
}

function options(tag: string): RegisterOptions {
  return {
    kind: 'classifier',
    digest: `sha256:${tag.padEnd(64, '0')}`,
    source: { uri: `kiln://sha256/${tag.padEnd(64, '0')}`, meta: { tag } },
    lineage: { workflowId: 'wf-1', runId: 'run-1', step: 'deploy' },
    metrics: { accuracy: 0.9 },
  };
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-registry-'));
  registry = new ModelRegistry(path.join(tmp, 'models'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('model references', () => {
  it('parses NAME, NAME:VERSION and NAME@ALIAS', () => {
    expect(parseModelRef('sentiment')).toEqual({ name: 'sentiment' });
    expect(parseModelRef('sentiment:12')).toEqual({ name: 'sentiment', version: 12 });
    expect(parseModelRef('sentiment@staging')).toEqual({ name: 'sentiment', alias: 'staging' });
    expect(formatModelRef({ name: 'a', version: 3 })).toBe('a:3');
    expect(formatModelRef({ name: 'a', alias: 'b' })).toBe('a@b');
  });

  it('rejects malformed references with a message naming the part', () => {
    expect(() => parseModelRef('Sentiment')).toThrow(/invalid model name "Sentiment"/);
    expect(() => parseModelRef('s:0')).toThrow(/invalid version "0"/);
    expect(() => parseModelRef('s:x')).toThrow(/invalid version "x"/);
    expect(() => parseModelRef('s@1a')).toThrow(/invalid alias "1a"/);
    expect(() => parseModelRef('s:1@a')).toThrow(/invalid model reference/);
    expect(() => parseModelRef('../etc')).toThrow(RegistryError);
  });
});

describe('ModelRegistry', () => {
  it('numbers versions 1, 2, 3 per name and copies the model with registry.json', async () => {
    const a = await registry.register('sentiment', await modelDir('a'), options('a'));
    const b = await registry.register('sentiment', await modelDir('b'), options('b'));
    const other = await registry.register('topics', await modelDir('c'), options('c'));
    expect([a.record.version, b.record.version, other.record.version]).toEqual([1, 2, 1]);
    expect(a.reused).toBe(false);
    expect(a.dir).toBe(path.join(tmp, 'models', 'sentiment', '1'));
    expect(await fs.readFile(path.join(b.dir, 'weights.bin'), 'utf8')).toBe('b');
    expect(await fs.readFile(path.join(b.dir, 'sub', 'vocab.txt'), 'utf8')).toBe('[PAD]\n');
    const record = JSON.parse(await fs.readFile(path.join(b.dir, 'registry.json'), 'utf8'));
    expect(record).toMatchObject({ name: 'sentiment', version: 2, kind: 'classifier', digest: options('b').digest, metrics: { accuracy: 0.9 } });
    expect(record.lineage).toEqual({ workflowId: 'wf-1', runId: 'run-1', step: 'deploy' });
    expect(await registry.names()).toEqual(['sentiment', 'topics']);
    expect((await registry.versions('sentiment')).map((r) => r.version)).toEqual([1, 2]);
    // No staging leftovers beside the versions.
    expect((await fs.readdir(path.join(tmp, 'models', 'sentiment'))).filter((n) => n.startsWith('.tmp'))).toEqual([]);
  });

  it('reuses the version of an artifact digest it already holds', async () => {
    const again = await registry.register('sentiment', await modelDir('a'), options('a'));
    expect(again.reused).toBe(true);
    expect(again.record.version).toBe(1);
    expect(await registry.versionNumbers('sentiment')).toEqual([1, 2]);
  });

  it('moves aliases atomically and resolves NAME through production', async () => {
    expect(await registry.setAlias('sentiment', 'production', 1)).toEqual({});
    expect(await registry.setAlias('sentiment', 'production', 2)).toEqual({ previous: 1 });
    await registry.setAlias('sentiment', 'staging', 1);
    expect(JSON.parse(await fs.readFile(registry.aliasesPath('sentiment'), 'utf8'))).toEqual({ production: 2, staging: 1 });
    expect((await fs.readdir(path.dirname(registry.aliasesPath('sentiment')))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect((await registry.resolve(parseModelRef('sentiment'))).record.version).toBe(2);
    expect(await registry.resolve(parseModelRef('sentiment@staging'))).toMatchObject({ alias: 'staging', record: { version: 1 } });
    expect((await registry.resolve(parseModelRef('sentiment:1'))).dir).toBe(path.join(tmp, 'models', 'sentiment', '1'));
  });

  it('explains unknown models, versions and aliases', async () => {
    await expect(registry.resolve({ name: 'nope' })).rejects.toMatchObject({
      code: 'unknown-model',
      message: "no model named 'nope' is registered",
      hint: 'registered models: sentiment, topics',
    });
    await expect(registry.resolve({ name: 'sentiment', version: 9 })).rejects.toMatchObject({ code: 'unknown-version', hint: 'its versions: 1, 2' });
    await expect(registry.resolve({ name: 'sentiment', alias: 'canary' })).rejects.toMatchObject({ code: 'unknown-alias' });
    await expect(registry.resolve({ name: 'topics' })).rejects.toThrow(/model 'topics' has no alias 'production'/);
    await expect(registry.setAlias('sentiment', 'production', 7)).rejects.toMatchObject({ code: 'unknown-version' });
  });

  it('finds only aliases that aliases.json holds, not Object.prototype members', async () => {
    await expect(registry.resolve({ name: 'sentiment', alias: 'constructor' })).rejects.toMatchObject({
      code: 'unknown-alias',
      message: "model 'sentiment' has no alias 'constructor'",
      hint: 'its aliases: production → 2, staging → 1; ask for a version instead (sentiment:2) or move the alias with `kiln models promote`',
    });
    // `constructor` is a well-formed alias name: promoting to it works like any other, with no "previous".
    expect(await registry.setAlias('sentiment', 'constructor', 1)).toEqual({});
    expect(await registry.resolve({ name: 'sentiment', alias: 'constructor' })).toMatchObject({ alias: 'constructor', record: { version: 1 } });
    for (const alias of ['__proto__', 'toString', 'hasOwnProperty']) {
      await expect(registry.setAlias('sentiment', alias, 1)).rejects.toMatchObject({ code: 'invalid-ref', message: `invalid alias "${alias}"` });
    }
    expect(JSON.parse(await fs.readFile(registry.aliasesPath('sentiment'), 'utf8'))).toEqual({ production: 2, staging: 1, constructor: 1 });
  });

  it('gives concurrent deploys of different artifacts distinct versions', async () => {
    const tags = ['d', 'e', 'f', 'g'];
    const dirs = await Promise.all(tags.map(modelDir));
    const results = await Promise.all(tags.map((t, i) => registry.register('race', dirs[i]!, options(t))));
    expect(results.map((r) => r.record.version).sort()).toEqual([1, 2, 3, 4]);
    for (const r of results) expect(await fs.readFile(path.join(r.dir, 'weights.bin'), 'utf8')).toBe(r.record.source.meta.tag);
  });
});
