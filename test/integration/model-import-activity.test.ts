// model/import@v1 under MockActivityEnvironment: a tiny Hugging Face directory (kiln's own export of a tiny BERT) read
// from a path and downloaded from a real HTTP server on 127.0.0.1 (resuming a dropped transfer, checking pinned
// sha256s), giving the same model artifact either way; bad input fails without retrying, naming the file.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { activityDeps } from '../../activities/deps';
import { modelImport } from '../../activities/model-import';
import type { Json } from '../../contract/json';
import { initBackend } from '../../nlp/backend';
import { bertConfig } from '../../nlp/bert/config';
import { createBertModel, disposeBertModel } from '../../nlp/bert/model';
import { loadSavedModel, saveBertModel } from '../../nlp/bert/saved-model';
import { exportHfModel } from '../../nlp/hf/export';
import { BertTokenizer, saveTokenizer } from '../../nlp/tokenizer/tokenizer';
import { Vocab } from '../../nlp/tokenizer/vocab';
import { ArtifactStore } from '../../store/artifacts';
import type { ArtifactRef } from '../../store/types';
import { failureOf, runStepActivity } from '../helpers/activity';

let tmp: string;
let hfDir: string;
let server: http.Server;
let base: string;
let store: ArtifactStore;
let safetensorsRequests = 0;

function run(inputs: { [key: string]: Json }) {
  const deps = { ...activityDeps(path.join(tmp, 'home'), { log: () => undefined }), store };
  return runStepActivity(modelImport(deps), { stepId: 'import', baseDir: tmp, inputs });
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const name = decodeURIComponent((req.url ?? '').replace(/^\/model\//u, ''));
  const body = await fs.readFile(path.join(hfDir, name)).catch(() => undefined);
  if (!req.url?.startsWith('/model/') || !body) {
    res.writeHead(404).end('not found');
    return;
  }
  if (name === 'model.safetensors' && ++safetensorsRequests === 1) {
    // The first transfer drops halfway: the retry resumes with a Range request.
    res.writeHead(200, { 'content-length': body.length });
    res.write(body.subarray(0, body.length >> 1), () => setTimeout(() => res.socket?.destroy(), 20));
    return;
  }
  const range = /^bytes=(\d+)-$/u.exec(req.headers.range ?? '');
  if (range) {
    const start = Number(range[1]);
    res.writeHead(206, { 'content-length': body.length - start, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` });
    res.end(body.subarray(start));
    return;
  }
  res.writeHead(200, { 'content-length': body.length }).end(body);
}

beforeAll(async () => {
  await initBackend('cpu');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-model-import-'));
  store = new ArtifactStore(path.join(tmp, 'store'));
  const config = bertConfig(
    { hidden_size: 16, num_layers: 1, num_heads: 2, intermediate_size: 32, max_position_embeddings: 24, type_vocab_size: 2, hidden_dropout: 0.1, attention_dropout: 0.1, initializer_range: 0.02 },
    30,
  );
  const tokens = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...Array.from({ length: 25 }, (_, i) => `w${i}`)];
  await saveTokenizer(new BertTokenizer(Vocab.fromTokens(tokens)), path.join(tmp, 'tokenizer'));
  const model = createBertModel(config, 9);
  const card = { steps: 0, seed: 0, backend: 'cpu', metrics: { train: null, validation: null }, lineage: {} };
  await saveBertModel(path.join(tmp, 'kiln-model'), model, { tokenizerDir: path.join(tmp, 'tokenizer'), kiln: {}, card });
  disposeBertModel(model);
  hfDir = path.join(tmp, 'hf-model');
  await exportHfModel(path.join(tmp, 'kiln-model'), hfDir);
  server = http.createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/model`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('model/import@v1', () => {
  let fromPath: ArtifactRef;

  it('imports a local directory as a model and a tokenizer artifact', async () => {
    const result = await run({ path: 'hf-model' });
    fromPath = result.outputs.model as unknown as ArtifactRef;
    expect(fromPath.kind).toBe('model');
    expect((result.outputs.tokenizer as unknown as ArtifactRef).kind).toBe('tokenizer');
    expect(result.outputs.report).toMatchObject({ architectures: ['BertForPreTraining'], absent: [], weights: 30, vocab_size: 30 });
    const saved = await loadSavedModel(store.pathOf(fromPath));
    const original = await loadSavedModel(path.join(tmp, 'kiln-model'));
    expect(saved.config).toEqual(original.config);
    expect(await fs.readFile(path.join(store.pathOf(fromPath), 'weights.bin'))).toEqual(await fs.readFile(path.join(tmp, 'kiln-model', 'weights.bin')));
  });

  it('downloads the same files from a url, resuming a dropped transfer on the retry, to the same weights', async () => {
    const sha256 = createHash('sha256').update(await fs.readFile(path.join(hfDir, 'model.safetensors'))).digest('hex');
    const first = await run({ url: base, sha256: { 'model.safetensors': sha256 } }).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(Error); // the dropped connection: a plain, retryable error
    const result = await run({ url: `${base}/`, sha256: { 'model.safetensors': sha256 } });
    const fromUrl = result.outputs.model as unknown as ArtifactRef;
    const weights = (ref: ArtifactRef) => fs.readFile(path.join(store.pathOf(ref), 'weights.bin'));
    expect(await weights(fromUrl)).toEqual(await weights(fromPath));
    expect(safetensorsRequests).toBe(2);
  });

  it('fails without retrying on a sha256 mismatch, naming the file and both digests', async () => {
    const wrong = '0'.repeat(64);
    const cases: Array<{ [key: string]: Json }> = [{ url: base, sha256: { 'config.json': wrong } }, { path: 'hf-model', sha256: { 'config.json': wrong } }];
    for (const inputs of cases) {
      const failure = await failureOf(run(inputs));
      expect(failure.type).toBe('ChecksumMismatch');
      expect(failure.nonRetryable).toBe(true);
      expect(failure.message).toMatch(new RegExp(`^steps\\.import: .*config\\.json: sha256 is [0-9a-f]{64}, expected ${wrong}\nhint: `));
    }
  });

  it('refuses a url that does not serve a model, and a directory without one, without retrying', async () => {
    const missing = await failureOf(run({ url: `${base}/nothing-here` }));
    expect(missing.nonRetryable).toBe(true);
    expect(missing.message).toMatch(/HTTP 404/);
    await fs.mkdir(path.join(tmp, 'empty'));
    const empty = await failureOf(run({ path: 'empty' }));
    expect(empty.nonRetryable).toBe(true);
    expect(empty.message.split('\n')[0]).toBe(`steps.import: ${path.join(tmp, 'empty', 'config.json')}: not found`);
  });
});
