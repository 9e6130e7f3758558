// model/deploy@v1 under MockActivityEnvironment: registration, smoke test through a real HTTP server, alias moves,
// a broken model that leaves the alias alone, and (last) a deploy that has to start `kiln serve` itself.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { activityDeps } from '../../activities/deps';
import { modelDeploy } from '../../activities/model-deploy';
import type { Json } from '../../contract/json';
import type { StepInput, StepResult } from '../../compiler/types';
import { initBackend } from '../../nlp/backend';
import { startServer, type RunningServer } from '../../serve/server';
import { readServeState, stopServeServer, writeServeState } from '../../serve/state';
import { ArtifactStore } from '../../store/artifacts';
import { ModelRegistry } from '../../store/registry';
import type { ArtifactRef } from '../../store/types';
import { isProcessAlive } from '../../system/processes';
import { freePort } from '../../worker/server-ports';
import { fakeLoader, writeFakeClassifier, writeTinyClassifier, writeTinyEncoder } from './serve-fixtures';

let tmp: string;
let home: string;
let store: ArtifactStore;
let registry: ModelRegistry;
let server: RunningServer;
const logs: string[] = [];
const savedHome = process.env.KILN_HOME;
const artifacts: Record<string, ArtifactRef> = {};

async function put(kind: string, write: (dir: string) => Promise<unknown>): Promise<ArtifactRef> {
  const dir = path.join(await store.stagingDir('model'), 'model');
  await write(dir);
  return store.putDirectory(dir, { kind, meta: { made: 'test' } });
}

function input(model: ArtifactRef, extra: { [key: string]: Json } = {}): StepInput {
  return {
    runId: 'run-1',
    workflowId: 'wf-deploy',
    pipeline: 'deploy-test',
    stepId: 'deploy',
    cache: false,
    resumedFrom: [],
    baseDir: tmp,
    inputs: { model, name: 'sentiment', alias: 'production', ...extra },
  };
}

function deploy(stepInput: StepInput, home_ = home): Promise<StepResult> {
  const env = new MockActivityEnvironment({ attempt: 1 }, { logger: new DefaultLogger('ERROR') });
  // Every home deploys from the one store the test's artifacts are in.
  const deps = { ...activityDeps(home_, { log: (m) => logs.push(m) }), store };
  return env.run(modelDeploy(deps), stepInput);
}

async function predictVersion(name: string, text = 'good'): Promise<number> {
  const res = await fetch(`${server.url}/v1/models/${name}/predict`, { method: 'POST', body: JSON.stringify({ texts: [text] }) });
  return ((await res.json()) as { model: { version: number } }).model.version;
}

beforeAll(async () => {
  await initBackend('cpu');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-deploy-'));
  home = path.join(tmp, 'home');
  process.env.KILN_HOME = home;
  store = new ArtifactStore(path.join(tmp, 'store'));
  registry = new ModelRegistry(path.join(home, 'models'));
  artifacts.v1 = await put('classifier', (d) => writeFakeClassifier(d, 'v1'));
  artifacts.v2 = await put('classifier', (d) => writeFakeClassifier(d, 'v2'));
  artifacts.broken = await put('classifier', (d) => writeFakeClassifier(d, 'broken'));
  artifacts.real = await put('classifier', (d) => writeTinyClassifier(d, 2, ['neg', 'pos']));
  artifacts.encoder = await put('model', (d) => writeTinyEncoder(d, 3));
  artifacts.headless = await put('model', async (d) => {
    await writeTinyEncoder(d, 5);
    // As model/import@v1 writes an encoder published without its pretraining heads (sentence-transformers models).
    const file = path.join(d, 'config.json');
    await fs.writeFile(file, JSON.stringify({ ...JSON.parse(await fs.readFile(file, 'utf8')), pooling: { mode: 'mean', normalize: true }, absent: ['mlm', 'nsp'] }));
  });
  artifacts.corrupt = await put('model', async (d) => {
    await writeTinyEncoder(d, 4);
    await fs.truncate(path.join(d, 'weights.bin'), 64);
  });
  // A server already running for this KILN_HOME, as `kiln serve` would record it.
  server = await startServer({ port: 0, registry, loadModel: fakeLoader() });
  await writeServeState(home, { pid: process.pid, host: server.host, port: server.port, url: server.url, registry: registry.root, startedAt: new Date().toISOString() });
});

afterAll(async () => {
  await server?.close();
  await stopServeServer(path.join(tmp, 'home2')); // the spawned server, should its test have failed halfway
  if (savedHome === undefined) delete process.env.KILN_HOME;
  else process.env.KILN_HOME = savedHome;
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('model/deploy@v1', () => {
  it('registers, smoke-tests through the running server, then moves the alias', async () => {
    const result = await deploy(input(artifacts.v1!));
    expect(result.outputs).toEqual({
      version: { name: 'sentiment', version: 1, alias: 'production', digest: artifacts.v1!.digest },
      endpoint: `${server.url}/v1/models/sentiment/predict`,
    });
    // The run becomes findable by the version it deployed (the workflow sets what the step names).
    expect(result.searchAttributes).toEqual({ KilnModel: 'sentiment:1' });
    expect(await registry.aliases('sentiment')).toEqual({ production: 1 });
    const record = (await registry.record('sentiment', 1))!;
    expect(record).toMatchObject({ kind: 'classifier', digest: artifacts.v1!.digest, metrics: { accuracy: 0.75 }, source: { uri: artifacts.v1!.uri, meta: { made: 'test' } } });
    expect(record.lineage).toEqual({ workflowId: 'wf-deploy', runId: 'run-1', pipeline: 'deploy-test', step: 'deploy', origin: null });
    expect(await predictVersion('sentiment')).toBe(1);
  });

  it('moves the alias to a new version; a retry of the same artifact reuses its version', async () => {
    expect(((await deploy(input(artifacts.v2!))).outputs.version as { version: number }).version).toBe(2);
    expect(((await deploy(input(artifacts.v2!))).outputs.version as { version: number }).version).toBe(2);
    expect(await registry.versionNumbers('sentiment')).toEqual([1, 2]);
    expect(await predictVersion('sentiment')).toBe(2);
  });

  it('a model that fails its smoke test leaves the alias on the old version', async () => {
    const error = await deploy(input(artifacts.broken!)).catch((e: unknown) => e);
    expect(error).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
    const message = (error as Error).message;
    expect(message).toMatch(/^smoke test of sentiment:3 failed, so alias 'production' was not moved \(it still points to version 2\): /);
    expect(message).toMatch(/answered 500: cannot load sentiment:3: .*weights\.bin: tensor file: truncated/);
    expect(await registry.aliases('sentiment')).toEqual({ production: 2 });
    expect(await predictVersion('sentiment')).toBe(2);
  });

  it('deploys a real fine-tuned classifier', async () => {
    const result = await deploy(input(artifacts.real!, { name: 'real-sentiment', smoke_test: { texts: ['hello cafe', 'want'] } }));
    expect(result.outputs.version).toEqual({ name: 'real-sentiment', version: 1, alias: 'production', digest: artifacts.real!.digest });
    expect((await registry.record('real-sentiment', 1))!.metrics).toEqual({ validation: { accuracy: 0.5 } });
    const res = await fetch(result.outputs.endpoint as string, { method: 'POST', body: JSON.stringify({ texts: ['hello'] }) });
    const body = (await res.json()) as { predictions: Array<{ label: string }> };
    expect(['neg', 'pos']).toContain(body.predictions[0]!.label);
  });

  it('deploys pretrained encoders for fill-mask; corrupted weights fail the smoke test', async () => {
    const ok = await deploy(input(artifacts.encoder!, { name: 'tiny-bert', alias: 'staging' }));
    expect(ok.outputs.endpoint).toBe(`${server.url}/v1/models/tiny-bert@staging/fill-mask`);
    expect(await registry.aliases('tiny-bert')).toEqual({ staging: 1 });
    expect((await registry.record('tiny-bert', 1))!.lineage.origin).toEqual({ type: 'bert/pretrain@v1', seed: 3 });
    const error = await deploy(input(artifacts.corrupt!, { name: 'tiny-bert', alias: 'staging' })).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^smoke test of tiny-bert:2 failed, so alias 'staging' was not moved \(it still points to version 1\): .*weights\.bin/);
    expect(await registry.aliases('tiny-bert')).toEqual({ staging: 1 });
  });

  it('smoke-tests an encoder without a masked-LM head through embed', async () => {
    const result = await deploy(input(artifacts.headless!, { name: 'tiny-embedder' }));
    expect(result.outputs.endpoint).toBe(`${server.url}/v1/models/tiny-embedder/embed`);
    expect(await registry.aliases('tiny-embedder')).toEqual({ production: 1 });
    const res = await fetch(`${server.url}/v1/models/tiny-embedder/embed`, { method: 'POST', body: JSON.stringify({ texts: ['good'] }) });
    const body = (await res.json()) as { embeddings: number[][] };
    expect(Math.hypot(...body.embeddings[0]!)).toBeCloseTo(1, 5);
  });

  it('refuses artifacts that are not models', async () => {
    const tokenizer = { ...artifacts.v1!, kind: 'tokenizer' };
    await expect(deploy(input(tokenizer))).rejects.toMatchObject({ type: 'InvalidInput', message: expect.stringMatching(/with\.model: must be a "classifier" artifact \(got a "tokenizer" artifact\)/) });
    const mislabelled = { ...artifacts.encoder!, kind: 'classifier' };
    await expect(deploy(input(mislabelled))).rejects.toThrow(/config\.json has format "kiln\/bert-model@1"; a "classifier" artifact has 'kiln\/bert-classifier@1'/);
  });

  it('starts kiln serve when none runs, and the server shuts down cleanly on SIGTERM', async () => {
    const home2 = path.join(tmp, 'home2');
    const port = await freePort();
    const result = await deploy(input(artifacts.encoder!, { name: 'fresh', serve: { host: '127.0.0.1', port } }), home2);
    expect(result.outputs.endpoint).toBe(`http://127.0.0.1:${port}/v1/models/fresh/fill-mask`);
    const state = (await readServeState(home2))!;
    expect(state).toMatchObject({ port, url: `http://127.0.0.1:${port}`, registry: path.join(home2, 'models') });
    expect(state.pid).not.toBe(process.pid);
    const res = await fetch(result.outputs.endpoint as string, { method: 'POST', body: JSON.stringify({ texts: ['hello [MASK]'] }) });
    expect(res.status).toBe(200);
    // The server removes serve.json itself on SIGTERM; watch for that before stopServeServer would.
    process.kill(state.pid, 'SIGTERM');
    for (let i = 0; i < 100 && (await readServeState(home2)); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await readServeState(home2)).toBeUndefined();
    for (let i = 0; i < 100 && isProcessAlive(state.pid); i++) await new Promise((r) => setTimeout(r, 100));
    expect(isProcessAlive(state.pid)).toBe(false);
    expect(await stopServeServer(home2)).toBe(false);
    expect(await fs.readFile(path.join(home2, 'serve.log'), 'utf8')).toMatch(/kiln serve: listening on[\s\S]*shutting down/);
  }, 180_000);
});
