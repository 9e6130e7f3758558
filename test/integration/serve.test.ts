// The HTTP API on 127.0.0.1 with a random port: routes, limits, errors, alias moves and batching, with fake
// classifiers (their forward passes are counted) and a real tiny encoder for fill-mask.
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import * as tf from '@tensorflow/tfjs-core';

import { initBackend } from '../../nlp/backend';
import { NO_DROPOUT } from '../../nlp/bert/dropout';
import { attentionBias, disposeBertModel, pretrainingForward } from '../../nlp/bert/model';
import { bertModelFromSaved, loadSavedModel } from '../../nlp/bert/saved-model';
import { Batcher } from '../../serve/batcher';
import { ModelPool } from '../../serve/model-pool';
import { startServer, type RunningServer } from '../../serve/server';
import { directoryDigest } from '../../store/artifacts';
import { ModelRegistry } from '../../store/registry';
import type { ModelKind } from '../../store/registry-types';
import { callJson, fakeLoader, writeFakeClassifier, writeTinyClassifier, writeTinyEncoder, type FakeLoaderStats } from './serve-fixtures';

let tmp: string;
let registry: ModelRegistry;
let server: RunningServer;
const stats: FakeLoaderStats = { loads: [], passes: [] };

/** Registered digests by `name:version`: the real ones, since the server verifies a copy before loading it. */
const digests: Record<string, string> = {};

async function register(name: string, dir: string, kind: ModelKind, alias?: string): Promise<number> {
  const digest = `sha256:${(await directoryDigest(dir)).hex}`;
  const lineage = { workflowId: 'wf', runId: 'run', step: 'deploy' };
  const { record } = await registry.register(name, dir, { kind, digest, source: { uri: 'kiln://x', meta: {} }, lineage, metrics: null });
  if (alias) await registry.setAlias(name, alias, record.version);
  digests[`${name}:${record.version}`] = digest;
  return record.version;
}

const call = (method: string, route: string, body?: unknown) => callJson(server.url, method, route, body);

const post = (route: string, body: unknown) => call('POST', route, body);

beforeAll(async () => {
  await initBackend('cpu');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-serve-'));
  registry = new ModelRegistry(path.join(tmp, 'models'));
  await register('sentiment', await writeFakeClassifier(path.join(tmp, 's1'), 'v1'), 'classifier', 'production');
  await register('sentiment', await writeFakeClassifier(path.join(tmp, 's2'), 'v2', ['bad', 'good']), 'classifier', 'staging');
  await register('broken', await writeFakeClassifier(path.join(tmp, 'b1'), 'broken'), 'classifier', 'production');
  await register('crashy', await writeFakeClassifier(path.join(tmp, 'c1'), 'crash'), 'classifier', 'production');
  await register('encoder', await writeTinyEncoder(path.join(tmp, 'e1'), 7), 'encoder', 'production');
  await register('real', await writeTinyClassifier(path.join(tmp, 'r1'), 5), 'classifier', 'production');
  server = await startServer({ port: 0, registry, loadModel: fakeLoader(stats), batch: { maxBatch: 32, maxWaitMs: 20 } });
});

afterAll(async () => {
  await server?.close();
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('kiln serve: routes', () => {
  it('GET /healthz and GET /v1/models', async () => {
    expect(await call('GET', '/healthz')).toEqual({ status: 200, body: { status: 'ok', models: 5, registry: registry.root } });
    const { status, body } = await call('GET', '/v1/models');
    expect(status).toBe(200);
    expect(body.models.map((m: { name: string }) => m.name)).toEqual(['broken', 'crashy', 'encoder', 'real', 'sentiment']);
    const sentiment = body.models[4];
    expect(sentiment.aliases).toEqual({ production: 1, staging: 2 });
    expect(sentiment.versions.map((v: { version: number; kind: string }) => [v.version, v.kind])).toEqual([[1, 'classifier'], [2, 'classifier']]);
  });

  it('predicts through the production alias, an explicit version and another alias', async () => {
    const plain = await post('/v1/models/sentiment/predict', { texts: ['a good film', 'dull'] });
    expect(plain.status).toBe(200);
    expect(plain.body.model).toMatchObject({ name: 'sentiment', version: 1, alias: 'production', kind: 'classifier' });
    expect(plain.body.predictions).toEqual([
      { label: 'positive', probabilities: { negative: 0.1, positive: 0.9 } },
      { label: 'negative', probabilities: { negative: 0.9, positive: 0.1 } },
    ]);
    const v2 = await post('/v1/models/sentiment:2/predict', { texts: ['good'] });
    expect(v2.body.model).toEqual({ name: 'sentiment', version: 2, kind: 'classifier', digest: digests['sentiment:2'] });
    expect(v2.body.predictions[0].label).toBe('good');
    const staging = await post('/v1/models/sentiment@staging/predict', { texts: ['good'] });
    expect(staging.body.model).toMatchObject({ version: 2, alias: 'staging' });
    const encoded = await post('/v1/models/sentiment%3A2/predict', { texts: ['good'] });
    expect(encoded.body.model.version).toBe(2);
  });

  it('fill-mask with the real encoder: candidates per [MASK], best first, the same batched or alone', async () => {
    const texts = ['the [MASK] want', 'hello [MASK] , [MASK] cafe !'];
    const { status, body } = await post('/v1/models/encoder/fill-mask', { texts, top_k: 3 });
    expect(status).toBe(200);
    expect(body.model).toMatchObject({ name: 'encoder', version: 1, kind: 'encoder' });
    const [one, two] = body.predictions;
    // [CLS] the→[UNK] [MASK]: position 2; [CLS] hello [MASK] , [MASK]: positions 2 and 4.
    expect(one.masks.map((m: { position: number }) => m.position)).toEqual([2]);
    expect(two.masks.map((m: { position: number }) => m.position)).toEqual([2, 4]);
    for (const mask of [...one.masks, ...two.masks]) {
      expect(mask.candidates).toHaveLength(3);
      const scores = mask.candidates.map((c: { score: number }) => c.score);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
      expect(scores.every((s: number) => s > 0 && s < 1)).toBe(true);
    }
    // Padding must not change the answer: the short text alone gives the same scores.
    const alone = await post('/v1/models/encoder/fill-mask', { texts: [texts[0]], top_k: 3 });
    const scoresOf = (p: { masks: Array<{ candidates: Array<{ token: string; score: number }> }> }) => p.masks[0]!.candidates;
    expect(scoresOf(alone.body.predictions[0]).map((c) => c.token)).toEqual(scoresOf(one).map((c) => c.token));
    scoresOf(alone.body.predictions[0]).forEach((c, i) => expect(c.score).toBeCloseTo(scoresOf(one)[i]!.score, 5));
    // And they are the pretraining MLM head's softmax: [CLS] [UNK] [MASK] want [SEP] = ids 2 1 4 5 3.
    const bert = bertModelFromSaved(await loadSavedModel(path.join(registry.root, 'encoder', '1')));
    const probs = tf.tidy(() => {
      const inputs = {
        inputIds: tf.tensor2d([[2, 1, 4, 5, 3]], [1, 5], 'int32'),
        segmentIds: tf.zeros([1, 5], 'int32') as tf.Tensor2D,
        attentionBias: attentionBias([1, 1, 1, 1, 1], 1, 5),
        flatMaskedPositions: tf.tensor1d([2], 'int32'),
      };
      return tf.softmax(pretrainingForward(bert, inputs, NO_DROPOUT).mlmLogits).dataSync();
    });
    disposeBertModel(bert);
    const best = [...probs].map((p, id) => ({ p, id })).sort((a, b) => b.p - a.p);
    expect(scoresOf(one)[0]!.score).toBeCloseTo(best[0]!.p, 5);
    expect(scoresOf(one)[1]!.score).toBeCloseTo(best[1]!.p, 5);
  });

  it('predicts with a real classifier (nlp/finetune): texts and pairs, the same batched or alone', async () => {
    const texts = ['hello cafe', 'want want want unwanted running , hello !'];
    const { status, body } = await post('/v1/models/real/predict', { texts });
    expect(status).toBe(200);
    for (const p of body.predictions as Array<{ label: string; probabilities: Record<string, number> }>) {
      expect(Object.keys(p.probabilities)).toEqual(['negative', 'neutral', 'positive']);
      expect(Object.values(p.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      const best = Object.entries(p.probabilities).sort((a, b) => b[1] - a[1])[0]![0];
      expect(p.label).toBe(best);
    }
    const alone = await post('/v1/models/real/predict', { texts: [texts[0]] });
    for (const [label, prob] of Object.entries(alone.body.predictions[0].probabilities)) {
      expect(prob).toBeCloseTo(body.predictions[0].probabilities[label], 5);
    }
    const pairs = await post('/v1/models/real/predict', { texts: ['hello'], pairs: ['cafe !'] });
    expect(pairs.status).toBe(200);
    expect(pairs.body.predictions).toHaveLength(1);
  });

  it('refuses the wrong action for a model kind', async () => {
    expect(await post('/v1/models/sentiment/fill-mask', { texts: ['a [MASK]'] })).toEqual({
      status: 400,
      body: { error: 'sentiment:1 is a classifier: it has no fill-mask', hint: 'use POST /v1/models/sentiment/predict' },
    });
    const wrong = await post('/v1/models/encoder/predict', { texts: ['x'] });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe('encoder:1 is a pretrained encoder: it has no predict');
  });

  it('answers unknown models, versions, aliases and routes with 404s that list what exists', async () => {
    expect(await post('/v1/models/nope/predict', { texts: ['x'] })).toEqual({
      status: 404,
      body: { error: "no model named 'nope' is registered", hint: 'registered models: broken, crashy, encoder, real, sentiment' },
    });
    expect(await post('/v1/models/sentiment:9/predict', { texts: ['x'] })).toMatchObject({ status: 404, body: { hint: 'its versions: 1, 2' } });
    const alias = await post('/v1/models/sentiment@canary/predict', { texts: ['x'] });
    expect(alias.status).toBe(404);
    expect(alias.body.hint).toMatch(/its aliases: production → 1, staging → 2/);
    expect((await call('GET', '/v2/things')).status).toBe(404);
    expect((await call('GET', '/v1/models/sentiment/predict')).status).toBe(405);
    expect((await post('/v1/models/Bad_Name/predict', { texts: ['x'] })).body.error).toBe('invalid model name "Bad_Name"');
  });
});

describe('kiln serve: bad requests', () => {
  const predict = (body: unknown) => post('/v1/models/sentiment/predict', body);

  it('explains malformed bodies', async () => {
    const invalid = await predict('{"texts": [');
    expect(invalid.status).toBe(400);
    expect(invalid.body.error).toMatch(/^invalid JSON: /);
    expect(invalid.body.hint).toBe('send a JSON object, e.g. {"texts": ["a sentence"]}');
    expect((await predict('')).body.error).toBe('invalid JSON: the request body is empty');
    expect((await predict([1])).body.error).toBe('the request body must be a JSON object (got an array)');
    expect((await predict({ text: ['x'] })).body).toEqual({ error: "unknown field 'text'", hint: 'predict takes texts and pairs' });
    expect((await predict({})).body.error).toBe("missing field 'texts'");
    expect((await predict({ texts: 'x' })).body.error).toBe('texts must be an array of strings (got a string)');
    expect((await predict({ texts: [] })).body.error).toBe('texts is empty: send at least one text');
    expect((await predict({ texts: ['a', 2] })).body.error).toBe('texts[1] must be a string (got a number)');
    expect((await predict({ texts: ['a'], pairs: ['b', 'c'] })).body.error).toMatch(/^pairs has 2 texts but texts has 1/);
    expect((await post('/v1/models/encoder/fill-mask', { texts: ['x [MASK]'], top_k: 0 })).body.error).toBe('top_k must be an integer from 1 to 50 (got 0)');
  });

  it('enforces the limits with 400 (naming the index) and 413', async () => {
    const many = await predict({ texts: Array.from({ length: 65 }, () => 'x') });
    expect(many).toMatchObject({ status: 400, body: { error: 'texts has 65 texts; the limit is 64 per request' } });
    const long = await predict({ texts: ['ok', 'y'.repeat(10_001)] });
    expect(long).toMatchObject({ status: 400, body: { error: 'texts[1] is 10001 characters; the limit is 10000' } });
    const huge = await predict({ texts: ['z'.repeat(2 * 1024 * 1024)] });
    expect(huge).toEqual({ status: 413, body: { error: 'request body too large: the limit is 1048576 bytes', hint: 'send fewer or shorter texts per request' } });
  });

  it('fill-mask texts without [MASK] are refused without failing the requests batched with them', async () => {
    const [bad, good] = await Promise.all([
      post('/v1/models/encoder/fill-mask', { texts: ['want', 'no mask here'] }),
      post('/v1/models/encoder/fill-mask', { texts: ['[MASK] want'] }),
    ]);
    expect(bad).toMatchObject({ status: 400, body: { error: 'texts[0] has no [MASK]' } });
    expect(good.status).toBe(200);
  });

  it('a model that cannot load or whose forward pass fails is a 500; the server keeps serving', async () => {
    const broken = await post('/v1/models/broken/predict', { texts: ['x'] });
    expect(broken.status).toBe(500);
    expect(broken.body.error).toMatch(/^cannot load broken:1: .*weights\.bin: tensor file: truncated/);
    const crash = await post('/v1/models/crashy/predict', { texts: ['x'] });
    expect(crash).toMatchObject({ status: 500, body: { error: 'internal error: forward pass failed: out of memory' } });
    expect((await call('GET', '/healthz')).status).toBe(200);
  });

  it('refuses to serve a registered copy whose files changed since registration, naming it and the fix', async () => {
    await register('tampered', await writeFakeClassifier(path.join(tmp, 't1'), 'v1'), 'classifier', 'production');
    // Swapped labels after registration: the server would answer with them under the registered digest.
    await fs.writeFile(path.join(registry.versionDir('tampered', 1), 'labels.json'), JSON.stringify({ names: ['positive', 'negative'] }));
    const tampered = await post('/v1/models/tampered/predict', { texts: ['good'] });
    expect(tampered.status).toBe(500);
    const copy = registry.versionDir('tampered', 1);
    expect(tampered.body.error).toMatch(
      new RegExp(`^cannot load tampered:1: the registered copy in ${copy} was changed after registration: its files hash to sha256:[0-9a-f]{64}, not the ${digests['tampered:1']} registered for tampered:1$`),
    );
    expect(tampered.body.hint).toMatch(/^`kiln store verify --repair` restores it from the store/);
    expect((await post('/v1/models/sentiment/predict', { texts: ['good'] })).status).toBe(200);
  });

  it('survives garbage on the socket and clients that vanish mid-body', async () => {
    const raw = (data: string) =>
      new Promise<string>((resolve) => {
        const socket = net.connect(server.port, '127.0.0.1', () => socket.end(data));
        let reply = '';
        socket.on('data', (d) => (reply += d.toString()));
        socket.on('close', () => resolve(reply));
        socket.on('error', () => resolve(reply));
      });
    expect(await raw('\x00\x01garbage\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 Bad Request[\s\S]*"error":"malformed HTTP request/);
    await raw('POST /v1/models/sentiment/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{"texts": ["half');
    await raw('POST /v1/models/sentiment/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\nabc');
    expect((await call('GET', '/healthz')).body.status).toBe('ok');
  });
});

describe('kiln serve: alias moves and batching', () => {
  it('takes an alias move at the next request, without a restart', async () => {
    expect((await post('/v1/models/sentiment/predict', { texts: ['x'] })).body.model.version).toBe(1);
    await registry.setAlias('sentiment', 'production', 2);
    const moved = await post('/v1/models/sentiment/predict', { texts: ['good'] });
    expect(moved.body.model.version).toBe(2);
    expect(moved.body.predictions[0].label).toBe('good');
    await registry.setAlias('sentiment', 'production', 1);
    expect((await post('/v1/models/sentiment/predict', { texts: ['x'] })).body.model.version).toBe(1);
  });

  it('runs 20 concurrent requests in fewer forward passes, each getting its own answer', async () => {
    await post('/v1/models/sentiment/predict', { texts: ['warm-up'] }); // loaded before the burst
    const before = stats.passes.length;
    const texts = Array.from({ length: 20 }, (_, i) => (i % 3 === 0 ? `good ${i}` : `meh ${i}`));
    const replies = await Promise.all(texts.map((t) => post('/v1/models/sentiment/predict', { texts: [t, `${t} again`] })));
    const passes = stats.passes.slice(before);
    expect(passes.reduce((a, b) => a + b, 0)).toBe(40);
    expect(passes.length).toBeLessThan(20);
    expect(Math.max(...passes)).toBeLessThanOrEqual(32);
    replies.forEach((r, i) => {
      expect(r.status).toBe(200);
      const want = i % 3 === 0 ? 'positive' : 'negative';
      expect(r.body.predictions.map((p: { label: string }) => p.label)).toEqual([want, want]);
    });
  });
});

describe('Batcher and ModelPool', () => {
  it('splits a large submission into passes of at most maxBatch, in order; a failed pass fails only its texts', async () => {
    const passes: number[][] = [];
    const batcher = new Batcher<number, number>(async (items) => {
      passes.push(items);
      if (items.includes(-1)) throw new Error('bad pass');
      return items.map((x) => x * 2);
    }, { maxBatch: 32, maxWaitMs: 1 });
    const big = Array.from({ length: 70 }, (_, i) => i);
    expect(await batcher.submit(big)).toEqual(big.map((x) => x * 2));
    expect(passes.map((p) => p.length)).toEqual([32, 32, 6]);
    // Two submissions in one tick, two texts per pass: [1, -1] fails, [3] has a pass of its own.
    const pairs = new Batcher<number, number>(async (items) => {
      if (items.includes(-1)) throw new Error('bad pass');
      return items.map((x) => x * 2);
    }, { maxBatch: 2, maxWaitMs: 1 });
    const [failed, fine] = await Promise.allSettled([pairs.submit([1, -1]), pairs.submit([3])]);
    expect(failed).toMatchObject({ status: 'rejected', reason: { message: 'bad pass' } });
    expect(fine).toEqual({ status: 'fulfilled', value: [6] });
    expect(pairs.passes).toBe(2);
    expect(pairs.idle).toBe(true);
  });

  it('keeps at most maxLoaded versions, disposing the least recently used', async () => {
    const disposed: string[] = [];
    const pool = new ModelPool(registry, async (dir) => ({ kind: 'classifier', dispose: () => disposed.push(path.basename(path.dirname(dir))) }), { maxBatch: 1, maxWaitMs: 0 }, 1, 0);
    await pool.model(await pool.resolve({ name: 'sentiment', version: 1 }));
    await pool.model(await pool.resolve({ name: 'crashy' }));
    await new Promise((r) => setTimeout(r, 10));
    expect(pool.loadedKeys()).toEqual(['crashy:1']);
    expect(disposed).toEqual(['sentiment']);
    await pool.dispose();
    expect(disposed).toEqual(['sentiment', 'crashy']);
  });
});
