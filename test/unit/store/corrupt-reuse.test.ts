// Defect: a corrupt stored object was kept when the same content was stored again, steps read it without
// checking, cache hits checked only top-level outputs, and --repair kept the entries made from it.
import fs from 'node:fs/promises';
import path from 'node:path';

import { ApplicationFailure } from '@temporalio/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { cacheLayer } from '../../../activities/cached-step';
import type { Catalog } from '../../../compiler/catalog';
import type { StepInput } from '../../../compiler/types';
import { contentDigest } from '../../../store/artifacts';
import { CorruptArtifactError } from '../../../store/artifact-errors';
import { repairStore } from '../../../store/repair';
import type { ArtifactRef } from '../../../store/types';
import { verifyStore } from '../../../store/verify';
import { putDir, tempHome, type TempHome } from './helpers';

let t: TempHome;
beforeEach(async () => {
  t = await tempHome();
});
afterEach(async () => {
  await t.remove();
});

async function putText(text: string): Promise<ArtifactRef> {
  const file = path.join(await t.store.stagingDir('test'), 'corpus.txt');
  await fs.writeFile(file, text);
  return t.store.putFile(file, { kind: 'corpus' });
}

/** Change one word in place, as the issue did. */
async function corrupt(file: string, from: string, to: string): Promise<void> {
  await fs.writeFile(file, (await fs.readFile(file, 'utf8')).replace(from, to));
}

const hexOf = async (p: string) => `sha256:${(await contentDigest(p)).hex}`;

const noCatalog = { get: () => undefined } as unknown as Catalog;

function stepInput(inputs: StepInput['inputs']): StepInput {
  return { inputs, stepId: 'tok', pipeline: 'p', workflowId: 'wf', runId: 'r', baseDir: t.home, cache: false } as unknown as StepInput;
}

describe('storing content whose stored copy is corrupt', () => {
  it('replaces a corrupt file object instead of keeping it', async () => {
    const ref = await putText('call me ishmael\n');
    await corrupt(t.store.pathOf(ref), 'ishmael', 'ahab');
    const again = await putText('call me ishmael\n');
    expect(again.digest).toBe(ref.digest);
    expect(await hexOf(t.store.pathOf(ref))).toBe(ref.digest);
  });

  it('replaces a corrupt directory object', async () => {
    const ref = await putDir(t.store, 'alpha');
    await corrupt(path.join(t.store.pathOf(ref), 'vocab.txt'), 'alpha', 'alphb');
    await putDir(t.store, 'alpha');
    expect(await hexOf(t.store.pathOf(ref))).toBe(ref.digest);
  });
});

describe('a step reading a corrupt input', () => {
  it('fails non-retryably, naming the artifact and the fix, without running the step', async () => {
    const ref = await putText('call me ishmael\n');
    await corrupt(t.store.pathOf(ref), 'ishmael', 'ahab');
    let ran = false;
    const layer = cacheLayer('test/fake@v1', noCatalog, { ...t, clock: () => new Date() });
    const error = await layer(stepInput({ corpus: ref }), async () => ((ran = true), { outputs: {} })).catch((e: unknown) => e);
    expect(ran).toBe(false);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ type: 'CorruptArtifact', nonRetryable: true });
    expect((error as Error).message).toMatch(
      new RegExp(`^step "tok": input artifact ${ref.uri} is corrupt: ${t.store.pathOf(ref)} hashes to sha256:[0-9a-f]{64}, not the digest it is stored under\\nhint: run \`kiln store verify --repair\``),
    );
  });

  it('reads an intact input, and a JSON artifact is checked as it is read', async () => {
    const stats = await t.store.putJson({ words: 1277 }, { kind: 'stats' });
    const layer = cacheLayer('test/fake@v1', noCatalog, { ...t, clock: () => new Date() });
    const read = async (input: StepInput) => ({ outputs: { got: await t.store.readJson(input.inputs.stats as ArtifactRef) } });
    expect((await layer(stepInput({ stats }), read)).outputs).toEqual({ got: { words: 1277 } });
    await corrupt(t.store.pathOf(stats), '1277', '1278');
    await expect(t.store.readJson(stats)).rejects.toBeInstanceOf(CorruptArtifactError);
  });
});

describe('cache hits', () => {
  it('verify every artifact an entry names, nested in lists and meta too', async () => {
    const shard = await putText('shard 2\n');
    const main = await putDir(t.store, 'alpha');
    const outputs = { data: { ...main, meta: { shards: [await putText('shard 1\n'), shard] } } };
    await t.cache.save({ key: 'k', parts: { type: 'x@v1', implementation: 1, inputs: {} }, outputs, createdAt: '', producer: { pipeline: 'p', workflowId: 'w', stepId: 's' } });
    const owner = { pipeline: 'p', stepId: 's' };
    expect((await t.cache.lookup('k', { type: 'x@v1', implementation: 1, inputs: {} }, owner)).hit).toBe(true);
    await corrupt(t.store.pathOf(shard), '2', '3');
    expect(await t.cache.lookup('k', { type: 'x@v1', implementation: 1, inputs: {} }, owner)).toEqual({
      hit: false,
      reasons: ['cached output "data" is missing or corrupt in the store'],
    });
  });
});

describe('verify --repair follows the lineage', () => {
  it('drops the cache entries made from a corrupt artifact, and those made from theirs', async () => {
    const corpus = await putText('call me ishmael\n');
    const tokenizer = await putDir(t.store, 'vocab-300');
    const data = await putText('instances\n');
    const save = (key: string, stepId: string, inputs: StepInput['inputs'], out: ArtifactRef) =>
      t.cache.save({ key, parts: { type: `${stepId}@v1`, implementation: 1, inputs }, outputs: { out }, createdAt: '', producer: { pipeline: 'moby', workflowId: 'w', stepId } });
    await save('k-corpus', 'corpus', { limit: 2 }, corpus);
    await save('k-tok', 'tok', { corpus: { artifact: corpus.digest }, vocab_size: 300 }, tokenizer);
    await save('k-data', 'data', { tokenizer: { artifact: tokenizer.digest } }, data);
    await save('k-other', 'other', { limit: 3 }, await putText('unrelated\n'));
    await corrupt(t.store.pathOf(corpus), 'ishmael', 'ahab');

    const report = await verifyStore({ home: t.home });
    expect(report.ok).toBe(false);
    const derived = report.problems.filter((p) => p.kind === 'cache-entry-derived-from-corrupt').map((p) => [path.basename(p.path), p.message]);
    expect(derived).toEqual([
      ['k-tok.json', `step "tok" of moby: made from ${corpus.digest}, which is corrupt, so its outputs may be wrong and the step must run again`],
      ['k-data.json', `step "data" of moby: made from ${tokenizer.digest}, which was made from a corrupt artifact, so its outputs may be wrong and the step must run again`],
    ]);
    const repaired = await repairStore(report);
    expect(repaired.cacheEntries.map((p) => path.basename(p)).sort()).toEqual(['k-corpus.json', 'k-data.json', 'k-tok.json']);
    expect(await fs.readdir(path.join(t.cache.root, 'entries'))).toEqual(['k-other.json']);
    expect((await verifyStore({ home: t.home })).ok).toBe(true);
  });
});
