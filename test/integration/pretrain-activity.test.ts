// bert/pretrain@v1 under MockActivityEnvironment: real wasm training in the worker thread, a cancellation that
// leaves a checkpoint, and a retry that resumes from the heartbeat's checkpoint to the very same model.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { activityDeps } from '../../activities/deps';
import { bertPretrain, type PretrainHeartbeat } from '../../activities/bert-pretrain';
import { stepDefaults } from '../../compiler/step-inputs';
import type { Json } from '../../contract/json';
import type { StepInput, StepResult } from '../../compiler/types';
import { initBackend } from '../../nlp/backend';
import { readMetrics } from '../../nlp/bert/metrics-log';
import { disposeBertModel } from '../../nlp/bert/model';
import { bertModelFromSaved, loadSavedModel } from '../../nlp/bert/saved-model';
import { CounterRng } from '../../nlp/bert/rng';
import { buildPretrainingData } from '../../nlp/pretraining-data/build';
import { BertTokenizer, saveTokenizer } from '../../nlp/tokenizer/tokenizer';
import { Vocab } from '../../nlp/tokenizer/vocab';
import { ArtifactStore } from '../../store/artifacts';
import { checkpointRoot } from '../../store/checkpoints';
import type { ArtifactRef } from '../../store/types';

const WORDS = ['the', 'a', 'cat', 'dog', 'sat', 'ran', 'on', 'mat', 'big', 'red', 'ball', 'is', 'was', 'and', 'happy', 'quick', '.'];

let tmp: string;
let store: ArtifactStore;
let data: ArtifactRef;
let tokenizer: ArtifactRef;
const logs: string[] = [];

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-pretrain-'));
  store = new ArtifactStore(path.join(tmp, 'store'));
  const bert = new BertTokenizer(Vocab.fromTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...WORDS]));
  const tokDir = path.join(await store.stagingDir('tok'), 'tokenizer');
  await saveTokenizer(bert, tokDir);
  tokenizer = await store.putDirectory(tokDir, { kind: 'tokenizer' });

  // 12 documents of 6 seeded random sentences.
  const rng = CounterRng.fromSeed(3, 'corpus');
  const docs = Array.from({ length: 12 }, () =>
    Array.from({ length: 6 }, () => Array.from({ length: 4 + (rng.nextUint32() % 8) }, () => WORDS[rng.nextUint32() % 16]).join(' ') + ' .').join('\n'),
  );
  const corpusFile = path.join(tmp, 'corpus.txt');
  await fs.writeFile(corpusFile, docs.join('\n\n') + '\n');
  const outDir = path.join(await store.stagingDir('data'), 'data');
  const options = { ...stepDefaults('bert/pretraining-data@v1'), max_seq_length: 32, max_predictions_per_seq: 5, dupe_factor: 2, validation_fraction: 0.25, seed: 1 };
  const built = await buildPretrainingData({ corpusFile, tokenizer: bert, outDir, options });
  expect(built.manifest.splits.train.instances).toBeGreaterThanOrEqual(8);
  expect(built.manifest.splits.validation.instances).toBeGreaterThan(0);
  data = await store.putDirectory(outDir, { kind: 'pretraining-data' });
  await initBackend('wasm'); // for loading the saved model here
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const WITH = {
  model: { hidden_size: 16, num_layers: 1, num_heads: 2, intermediate_size: 32, max_position_embeddings: 32 },
  batch_size: 4,
  steps: 30, // long enough that a cancellation at step 2 lands well before the end, even on a loaded machine
  checkpoint_every: 10,
  log_every: 10,
  eval_batches: 2,
  backend: 'wasm',
  seed: 9,
};

function input(workflowId: string, extra: { [key: string]: Json } = {}, resumedFrom: string[] = []): StepInput {
  const inputs = { data, tokenizer, ...WITH, ...extra };
  return { runId: 'r', workflowId, pipeline: 'test', stepId: 'pretrain', cache: false, resumedFrom, baseDir: tmp, inputs };
}

function environment(info: { heartbeatDetails?: unknown; attempt?: number } = {}): { env: MockActivityEnvironment; beats: PretrainHeartbeat[] } {
  const env = new MockActivityEnvironment(info, { logger: new DefaultLogger('ERROR') });
  const beats: PretrainHeartbeat[] = [];
  env.on('heartbeat', (d: PretrainHeartbeat) => beats.push(d));
  return { env, beats };
}

// The store above is this home's: activityDeps(tmp).store has the same root.
const deps = () => activityDeps(tmp, { log: (m) => logs.push(m) });

describe('bert/pretrain@v1', () => {
  let straight: StepResult;

  it('trains in a worker thread, heartbeating steps and checkpoints, and stores the model and metrics', async () => {
    const { env, beats } = environment();
    straight = await env.run(bertPretrain(deps()), input('wf-straight'));
    const model = straight.outputs.model as ArtifactRef;
    const metrics = straight.outputs.metrics as ArtifactRef;
    expect(model.kind).toBe('model');
    expect(metrics.kind).toBe('metrics');
    expect(model.meta).toMatchObject({ architecture: 'bert', steps: 30, backend: 'wasm', hidden_size: 16, vocab_size: 22 });
    expect(model.meta.loss).toEqual(expect.any(Number));
    expect(model.meta.validation_perplexity).toEqual(expect.any(Number));

    const steps = beats.map((b) => b.step);
    expect(steps).toContain(1);
    expect(steps).toContain(30);
    expect(beats.every((b) => b.total === 30)).toBe(true);
    const checkpoints = [...new Set(beats.map((b) => b.checkpoint?.step).filter((s) => s !== undefined))];
    expect(checkpoints).toEqual([10, 20, 30]);
    const last = beats.at(-1)!.checkpoint!;
    expect(last.path).toBe(path.join(checkpointRoot('wf-straight', 'pretrain', tmp), 'step-30'));
    expect(last.digest).toMatch(/^sha256:[0-9a-f]{64}$/);

    const lines = readMetrics(store.pathOf(metrics));
    expect(lines.map((l) => `${l.split}@${l.step}`)).toEqual(['train@10', 'train@20', 'train@30', 'validation@30']);

    const dir = store.pathOf(model);
    expect((await fs.readdir(dir)).sort()).toEqual(['config.json', 'model-card.json', 'tokenizer.json', 'vocab.txt', 'weights.bin']);
    const saved = await loadSavedModel(dir);
    expect(saved.config).toMatchObject({ vocab_size: 22, hidden_size: 16, num_layers: 1 });
    expect(saved.card).toMatchObject({ steps: 30, seed: 9, backend: 'wasm', lineage: { data: data.digest, tokenizer: tokenizer.digest } });
    const bert = bertModelFromSaved(saved);
    expect(bert.variables.length).toBe(saved.weights.size);
    disposeBertModel(bert);
  });

  it('checkpoints and rethrows on cancellation; the retry resumes from the heartbeat to the same model', async () => {
    const first = environment();
    first.env.on('heartbeat', (d: PretrainHeartbeat) => {
      if (d.step >= 2) first.env.cancel();
    });
    const error = await first.env.run(bertPretrain(deps()), input('wf-cancel')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledFailure);
    const details = first.beats.at(-1)!;
    const stoppedAt = details.checkpoint!.step;
    expect(stoppedAt).toBeGreaterThanOrEqual(2);
    expect(stoppedAt).toBeLessThan(30);
    expect(details.step).toBe(stoppedAt);
    expect(await fs.readdir(details.checkpoint!.path)).toContain('state.bin');

    logs.length = 0;
    const retry = environment({ heartbeatDetails: details, attempt: 2 });
    const result: StepResult = await retry.env.run(bertPretrain(deps()), input('wf-cancel'));
    expect(result.attempt).toBe(2);
    expect(logs.join('\n')).toContain(`resuming from checkpoint ${details.checkpoint!.path}`);
    expect(retry.beats[0]!.step).toBe(stoppedAt); // before the thread reports, the heartbeat says where it resumes
    const trained = retry.beats.filter((b) => b.loss !== null).map((b) => b.step);
    expect(Math.min(...trained)).toBe(stoppedAt + 1);
    // Same weights bit for bit, hence the same model directory digest, and the same metrics apart from timings.
    expect((result.outputs.model as ArtifactRef).digest).toBe((straight.outputs.model as ArtifactRef).digest);
    const strip = (file: string) => readMetrics(file).map(({ elapsed: _e, ...r }) => ({ ...r, tokens_per_sec: 0 }));
    expect(strip(store.pathOf(result.outputs.metrics as ArtifactRef))).toEqual(strip(store.pathOf(straight.outputs.metrics as ArtifactRef)));
  });

  it('rejects a model shorter than the data, naming both lengths, before training', async () => {
    const { env } = environment();
    const error = await env
      .run(bertPretrain(deps()), input('wf-short', { model: { ...WITH.model, max_position_embeddings: 16 } }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).type).toBe('InvalidInput');
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
    expect((error as ApplicationFailure).message).toMatch(
      /^steps\.pretrain\.with\.model\.max_position_embeddings 16 is smaller than the data's max_seq_length 32; set model\.max_position_embeddings to at least 32/,
    );
  });

  it('refuses to resume checkpoints written under another config, naming the keys and the fix', async () => {
    const { env } = environment({ attempt: 2 });
    const error = await env.run(bertPretrain(deps()), input('wf-straight', { seed: 10 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    const failure = error as ApplicationFailure;
    expect(failure.type).toBe('CorruptCheckpoint');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('were written with a different config: seed: 9 (checkpoint) vs 10 (now)');
    expect(failure.message).toMatch(/hint: change the config back .* or start a fresh run/);
  });

  it('a resumed run (kiln resume) continues from the earlier run\'s checkpoints and metrics', async () => {
    logs.length = 0;
    const { env, beats } = environment();
    const result: StepResult = await env.run(bertPretrain(deps()), input('wf-resumed', {}, ['wf-none', 'wf-cancel']));
    expect(logs.join('\n')).toContain(`resuming from checkpoint ${path.join(checkpointRoot('wf-cancel', 'pretrain', tmp), 'step-30')}`);
    expect(beats.some((b) => b.step > 0 && b.step < 30)).toBe(false); // nothing left to train
    expect((result.outputs.model as ArtifactRef).digest).toBe((straight.outputs.model as ArtifactRef).digest);
    const lines = readMetrics(store.pathOf(result.outputs.metrics as ArtifactRef));
    expect(lines.map((l) => `${l.split}@${l.step}`)).toEqual(['train@10', 'train@20', 'train@30', 'validation@30']);
  });

  it('abandons a timed-out attempt at once, without writing a checkpoint a retry may be writing too', async () => {
    const { env } = environment();
    env.on('heartbeat', (d: PretrainHeartbeat) => {
      if (d.step >= 2) env.cancel('TIMED_OUT');
    });
    const error = await env.run(bertPretrain(deps()), input('wf-timeout')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledFailure);
    expect((error as CancelledFailure).message).toBe('TIMED_OUT');
    const root = checkpointRoot('wf-timeout', 'pretrain', tmp);
    expect((await fs.readdir(root)).filter((n) => n.startsWith('step-'))).toEqual([]);
  });
});
