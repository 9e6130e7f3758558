// POST /v1/models/NAME/embed on a real server with the production loader: tiny real encoders (one as kiln pretrains
// them, one as a sentence-transformers import declares itself: mean pooling, normalised, no masked-LM head) and a
// tiny real classifier; the answers checked against hidden states computed here, the limits, and the batching.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { initBackend } from '../../nlp/backend';
import { disposeBertModel } from '../../nlp/bert/model';
import { bertModelFromSaved, headOf, loadSavedModel, writeSavedModel } from '../../nlp/bert/saved-model';
import { encodeForEmbedding, hiddenStates } from '../../nlp/bert/sentence-embedding';
import { openClassifier } from '../../nlp/finetune/classifier';
import { disposeClassifierModel } from '../../nlp/finetune/model';
import { loadTokenizer } from '../../nlp/tokenizer/tokenizer';
import { defaultModelLoader } from '../../serve/load-model';
import { startServer, type RunningServer } from '../../serve/server';
import { directoryDigest } from '../../store/artifacts';
import { ModelRegistry } from '../../store/registry';
import type { ModelKind } from '../../store/registry-types';
import { callJson, writeTinyClassifier, writeTinyEncoder } from './serve-fixtures';

const HIDDEN = 16;
const TEXTS = ['hello cafe', 'want wanted , unwanted running !', ''];

let tmp: string;
let registry: ModelRegistry;
let server: RunningServer;

async function register(name: string, dir: string, kind: ModelKind): Promise<void> {
  const digest = `sha256:${(await directoryDigest(dir)).hex}`;
  const lineage = { workflowId: 'wf', runId: 'run', step: 'deploy' };
  const { record } = await registry.register(name, dir, { kind, digest, source: { uri: 'kiln://x', meta: {} }, lineage, metrics: null });
  await registry.setAlias(name, 'production', record.version);
}

/** The encoder of `from` as an import without pretraining heads would write it: mean pooling, normalised. */
async function writeHeadlessCopy(from: string, dir: string): Promise<string> {
  const saved = await loadSavedModel(from);
  const weights = new Map([...saved.weights].filter(([name]) => headOf(name) !== 'mlm' && headOf(name) !== 'nsp'));
  await writeSavedModel(dir, saved.config, weights, {
    tokenizerDir: from,
    kiln: { type: 'hf/import' },
    card: saved.card,
    pooling: { mode: 'mean', normalize: true },
    maxSeqLength: 16,
    absent: ['mlm', 'nsp'],
  });
  return dir;
}

/** Final hidden states of each text alone, computed here from the registered copy's weights. */
async function statesOf(name: string, texts: string[], maxSeqLength: number): Promise<Float32Array[]> {
  const dir = registry.versionDir(name, 1);
  const saved = await loadSavedModel(dir);
  const tokenizer = await loadTokenizer(dir);
  const model = bertModelFromSaved(saved);
  try {
    return texts.map((t) => hiddenStates(model, [encodeForEmbedding(tokenizer, t, maxSeqLength)])[0]!);
  } finally {
    disposeBertModel(model);
  }
}

function meanNormalised(states: Float32Array): number[] {
  const rows = states.length / HIDDEN;
  const mean = Array.from({ length: HIDDEN }, (_, j) => Array.from({ length: rows }, (_, i) => states[i * HIDDEN + j]!).reduce((a, b) => a + b, 0) / rows);
  const norm = Math.hypot(...mean);
  return mean.map((x) => x / norm);
}

function expectClose(actual: number[], expected: ArrayLike<number>): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((x, j) => expect(Math.abs(x - expected[j]!)).toBeLessThan(1e-5));
}

const call = (method: string, route: string, body?: unknown) => callJson(server.url, method, route, body);

const post = (route: string, body: unknown) => call('POST', route, body);

beforeAll(async () => {
  await initBackend('cpu');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-serve-embed-'));
  registry = new ModelRegistry(path.join(tmp, 'models'));
  const encoder = await writeTinyEncoder(path.join(tmp, 'e1'), 7);
  await register('encoder', encoder, 'encoder');
  await register('minilm', await writeHeadlessCopy(encoder, path.join(tmp, 'm1')), 'encoder');
  await register('real', await writeTinyClassifier(path.join(tmp, 'r1'), 5), 'classifier');
  // The same classifier fine-tuned from an encoder that declares mean pooling: saved-classifier keeps it.
  const meanClassifier = await writeTinyClassifier(path.join(tmp, 'r2'), 5);
  const config = JSON.parse(await fs.readFile(path.join(meanClassifier, 'config.json'), 'utf8')) as Record<string, unknown>;
  await fs.writeFile(path.join(meanClassifier, 'config.json'), JSON.stringify({ ...config, pooling: { mode: 'mean', normalize: true } }));
  await register('real-mean', meanClassifier, 'classifier');
  server = await startServer({ port: 0, registry, loadModel: defaultModelLoader('cpu'), batch: { maxBatch: 32, maxWaitMs: 20 } });
});

afterAll(async () => {
  await server?.close();
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('POST /v1/models/NAME/embed', () => {
  it('a pretrained encoder: one [CLS] vector of hidden_size numbers per text, as computed alone', async () => {
    const { status, body } = await post('/v1/models/encoder/embed', { texts: TEXTS });
    expect(status).toBe(200);
    expect(body.model).toMatchObject({ name: 'encoder', version: 1, kind: 'encoder', alias: 'production' });
    expect(body.dimensions).toBe(HIDDEN);
    expect(body.pooling).toEqual({ mode: 'cls', normalize: false });
    expect(body.embeddings).toHaveLength(TEXTS.length);
    const states = await statesOf('encoder', TEXTS, 32);
    body.embeddings.forEach((v: number[], i: number) => expectClose(v, states[i]!.subarray(0, HIDDEN)));
  });

  it('an imported encoder: mean pooling over [CLS] … [SEP], unit length, differing from [CLS]', async () => {
    const { status, body } = await post('/v1/models/minilm/embed', { texts: TEXTS });
    expect(status).toBe(200);
    expect(body.dimensions).toBe(HIDDEN);
    expect(body.pooling).toEqual({ mode: 'mean', normalize: true });
    const states = await statesOf('minilm', TEXTS, 16);
    body.embeddings.forEach((v: number[], i: number) => {
      expect(Math.hypot(...v)).toBeCloseTo(1, 6);
      expectClose(v, meanNormalised(states[i]!));
    });
    // Same encoder weights as `encoder`, so only the pooling differs.
    const cls = (await post('/v1/models/encoder/embed', { texts: TEXTS })).body.embeddings as number[][];
    expect(Math.max(...body.embeddings[0].map((x: number, j: number) => Math.abs(x - cls[0]![j]!)))).toBeGreaterThan(1e-3);
  });

  it('a classifier: its fine-tuned encoder, pooled as its config.json says ([CLS] by default), truncated to its max_seq_length', async () => {
    const long = 'hello '.repeat(100);
    const plain = await post('/v1/models/real/embed', { texts: ['hello cafe', long] });
    expect(plain.status).toBe(200);
    expect(plain.body).toMatchObject({ model: { name: 'real', kind: 'classifier' }, dimensions: HIDDEN, pooling: { mode: 'cls', normalize: false } });
    const mean = await post('/v1/models/real-mean/embed', { texts: ['hello cafe', long] });
    expect(mean.body.pooling).toEqual({ mode: 'mean', normalize: true });
    const { model, tokenizer } = await openClassifier(registry.versionDir('real', 1));
    try {
      const ids = ['hello cafe', long].map((t) => encodeForEmbedding(tokenizer, t, 16));
      expect(ids[1]).toHaveLength(16);
      const states = ids.map((row) => hiddenStates(model.bert, [row])[0]!);
      plain.body.embeddings.forEach((v: number[], i: number) => expectClose(v, states[i]!.subarray(0, HIDDEN)));
      mean.body.embeddings.forEach((v: number[], i: number) => expectClose(v, meanNormalised(states[i]!)));
    } finally {
      disposeClassifierModel(model);
    }
  });

  it('fill-mask on an encoder without a masked-LM head is refused; predict on an encoder points to /embed', async () => {
    expect(await post('/v1/models/minilm/fill-mask', { texts: ['the [MASK] want'] })).toEqual({
      status: 400,
      body: { error: 'minilm:1 has no masked-LM head (imported without one): use /embed', hint: 'POST /v1/models/minilm/embed gives its sentence embeddings' },
    });
    expect((await post('/v1/models/encoder/fill-mask', { texts: ['the [MASK] want'] })).status).toBe(200);
    expect((await post('/v1/models/minilm/predict', { texts: ['x'] })).body).toEqual({
      error: 'minilm:1 is a pretrained encoder: it has no predict',
      hint: 'use POST /v1/models/minilm/fill-mask or /embed',
    });
  });
});

describe('embed: bad requests', () => {
  const embed = (body: unknown) => post('/v1/models/encoder/embed', body);

  it('explains malformed bodies as predict does', async () => {
    const invalid = await embed('{"texts": [');
    expect(invalid.status).toBe(400);
    expect(invalid.body.error).toMatch(/^invalid JSON: /);
    expect((await embed('')).body.error).toBe('invalid JSON: the request body is empty');
    expect((await embed(['x'])).body.error).toBe('the request body must be a JSON object (got an array)');
    expect((await embed({})).body.error).toBe("missing field 'texts'");
    expect((await embed({ texts: 'x' })).body).toEqual({ error: 'texts must be an array of strings (got a string)' });
    expect((await embed({ texts: [] })).body.error).toBe('texts is empty: send at least one text');
    expect((await embed({ texts: ['a', null] })).body.error).toBe('texts[1] must be a string (got null)');
    expect(await embed({ texts: ['a'], top_k: 3 })).toEqual({ status: 400, body: { error: "unknown field 'top_k'", hint: 'embed takes only texts' } });
  });

  it('enforces the limits with 400 (naming the index) and 413', async () => {
    expect(await embed({ texts: Array.from({ length: 65 }, () => 'x') })).toMatchObject({ status: 400, body: { error: 'texts has 65 texts; the limit is 64 per request' } });
    expect(await embed({ texts: ['ok', 'y'.repeat(10_001)] })).toMatchObject({ status: 400, body: { error: 'texts[1] is 10001 characters; the limit is 10000' } });
    expect(await embed({ texts: ['z'.repeat(2 * 1024 * 1024)] })).toEqual({
      status: 413,
      body: { error: 'request body too large: the limit is 1048576 bytes', hint: 'send fewer or shorter texts per request' },
    });
  });

  it('answers unknown models with 404, other methods with 405, and lists /embed among the routes', async () => {
    expect(await post('/v1/models/nope/embed', { texts: ['x'] })).toMatchObject({ status: 404, body: { error: "no model named 'nope' is registered" } });
    const get = await call('GET', '/v1/models/encoder/embed');
    expect(get.status).toBe(405);
    expect(get.body.hint).toMatch(/POST \/v1\/models\/NAME\/embed/);
    expect((await call('GET', '/v1/models/encoder/embeddings')).body.hint).toMatch(/POST \/v1\/models\/NAME\/embed/);
  });
});

describe('embed: batching', () => {
  it('concurrent requests share forward passes, each getting its own vectors', async () => {
    const batched = await server.pool.model(await server.pool.resolve({ name: 'minilm' }));
    const texts = Array.from({ length: 12 }, (_, i) => `${'want '.repeat(1 + (i % 5))}hello`);
    const alone = (await post('/v1/models/minilm/embed', { texts })).body.embeddings as number[][];
    const before = batched.passes;
    const replies = await Promise.all(texts.map((t) => post('/v1/models/minilm/embed', { texts: [t, 'cafe'] })));
    const passes = batched.passes - before;
    expect(passes).toBeGreaterThanOrEqual(1);
    expect(passes).toBeLessThan(texts.length);
    replies.forEach((r, i) => {
      expect(r.status).toBe(200);
      expect(r.body.embeddings).toHaveLength(2);
      expectClose(r.body.embeddings[0], alone[i]!);
    });
  });
});
