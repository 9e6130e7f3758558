// bert/finetune@v1 under MockActivityEnvironment: real wasm fine-tuning in the worker thread on the good/bad fixture,
// from scratch and from a pretrained model artifact; a cancellation that leaves a checkpoint and a retry that resumes
// to the very same classifier; and the bad inputs that must fail before training.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { activityDeps } from '../../activities/deps';
import { bertFinetune, type FinetuneHeartbeat } from '../../activities/bert-finetune';
import type { Json } from '../../contract/json';
import type { StepInput, StepResult } from '../../compiler/types';
import { initBackend } from '../../nlp/backend';
import { stepDefaults } from '../../compiler/step-inputs';
import { bertConfig } from '../../nlp/bert/config';
import { readMetrics } from '../../nlp/bert/metrics-log';
import { createBertModel, disposeBertModel } from '../../nlp/bert/model';
import { saveBertModel } from '../../nlp/bert/saved-model';
import { loadClassifier } from '../../nlp/finetune/classifier';
import type { FinetuneRecord } from '../../nlp/finetune/records';
import { writeSplit } from '../../nlp/dataset/split-file';
import { ArtifactStore } from '../../store/artifacts';
import { checkpointRoot } from '../../store/checkpoints';
import type { ArtifactRef } from '../../store/types';
import { fixtureTokenizer, sentimentExamples, TINY_MODEL, writeFixture } from '../unit/finetune/helpers';

let tmp: string;
let store: ArtifactStore;
const refs: { [name: string]: ArtifactRef } = {};
const logs: string[] = [];

async function pretrainedModel(vocabSize: number): Promise<ArtifactRef> {
  const dir = path.join(await store.stagingDir('model'), 'model');
  const bert = createBertModel(bertConfig({ ...stepDefaults('bert/pretrain@v1').model, ...TINY_MODEL }, vocabSize), 4);
  const card = { steps: 0, seed: 4, backend: 'wasm', metrics: { train: null, validation: null }, lineage: {} };
  await saveBertModel(dir, bert, { tokenizerDir: path.join(tmp, 'fixture', 'tokenizer'), kiln: {}, card });
  disposeBertModel(bert);
  return store.putDirectory(dir, { kind: 'model' });
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-finetune-activity-'));
  store = new ArtifactStore(path.join(tmp, 'store'));
  const files = await writeFixture(path.join(tmp, 'fixture'));
  await initBackend('wasm'); // for the saved models built and loaded here
  refs.pretrained = await pretrainedModel(fixtureTokenizer().vocab.size);
  refs.wrongVocab = await pretrainedModel(fixtureTokenizer().vocab.size + 5);
  const copy = async (file: string) => {
    const to = path.join(await store.stagingDir('in'), path.basename(file));
    await fs.cp(file, to, { recursive: true });
    return to;
  };
  refs.tokenizer = await store.putDirectory(await copy(files.tokenizerDir), { kind: 'tokenizer' });
  refs.train = await store.putFile(await copy(files.train), { kind: 'dataset-split' });
  refs.validation = await store.putFile(await copy(files.validation), { kind: 'dataset-split' });
  refs.labels = await store.putFile(await copy(files.labels), { kind: 'labels' });
  const badFile = path.join(await store.stagingDir('bad'), 'bad.jsonl');
  await writeSplit(badFile, [{ text: 'good', label: 1 }, { text: 'meh', label: 2 }]);
  refs.badSplit = await store.putFile(badFile, { kind: 'dataset-split' });
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const SCRATCH = {
  model: { from_scratch: TINY_MODEL },
  epochs: 10,
  batch_size: 5,
  max_seq_length: 16,
  optimizer: { learning_rate: 2e-3 },
  checkpoint_every: 40,
  backend: 'wasm',
  seed: 3,
};

function input(workflowId: string, extra: { [key: string]: Json } = {}): StepInput {
  const inputs = { tokenizer: refs.tokenizer!, train: refs.train!, validation: refs.validation!, labels: refs.labels!, ...SCRATCH, ...extra };
  return { runId: 'r', workflowId, pipeline: 'test', stepId: 'finetune', cache: false, resumedFrom: [], baseDir: tmp, inputs };
}

function environment(info: { heartbeatDetails?: unknown; attempt?: number } = {}) {
  const env = new MockActivityEnvironment(info, { logger: new DefaultLogger('ERROR') });
  const beats: FinetuneHeartbeat[] = [];
  env.on('heartbeat', (d: FinetuneHeartbeat) => beats.push(d));
  return { env, beats };
}

// The store above is this home's: activityDeps(tmp).store has the same root.
const deps = () => activityDeps(tmp, { log: (m) => logs.push(m) });

async function failure(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

describe('bert/finetune@v1', () => {
  let straight: StepResult;

  it('fine-tunes from scratch in a worker thread and stores a classifier that predicts held-out examples', async () => {
    const { env, beats } = environment();
    straight = await env.run(bertFinetune(deps()), input('wf-straight'));
    const model = straight.outputs.model as ArtifactRef;
    expect(model.kind).toBe('classifier');
    expect(model.meta).toMatchObject({ architecture: 'bert', num_labels: 2, steps: 120, from_scratch: true, backend: 'wasm', hidden_size: 32 });
    expect(model.meta.validation_accuracy).toBeGreaterThanOrEqual(0.85);
    expect(beats.map((b) => b.step)).toContain(120);
    expect(beats.every((b) => b.total === 120)).toBe(true);
    expect([...new Set(beats.map((b) => b.checkpoint?.step).filter((s) => s !== undefined))]).toEqual([40, 80, 120]);

    const dir = store.pathOf(model);
    expect((await fs.readdir(dir)).sort()).toEqual(['config.json', 'labels.json', 'model-card.json', 'tokenizer.json', 'vocab.txt', 'weights.bin']);
    const card = JSON.parse(await fs.readFile(path.join(dir, 'model-card.json'), 'utf8'));
    expect(card).toMatchObject({ steps: 120, seed: 3, labels: ['negative', 'positive'], lineage: { base_model: null, train: refs.train!.digest, labels: refs.labels!.digest } });
    expect(card.metrics.validation.accuracy).toBe(model.meta.validation_accuracy);

    const classifier = await loadClassifier(dir);
    expect(classifier.name).toBe('test/finetune');
    const heldOut = sentimentExamples(40, 5000);
    const predictions = await classifier.predict(heldOut.map((e) => e.text));
    const correct = predictions.filter((p, i) => p.label === classifier.labels[heldOut[i]!.label]).length;
    expect(correct / heldOut.length).toBeGreaterThanOrEqual(0.85);
    classifier.dispose();

    const lines = readMetrics<FinetuneRecord>(store.pathOf(straight.outputs.metrics as ArtifactRef));
    expect(lines.filter((l) => l.split === 'validation').map((l) => l.step)).toEqual([12, 24, 36, 48, 60, 72, 84, 96, 108, 120]);
  });

  it('checkpoints and rethrows on cancellation; the retry resumes from the heartbeat to the same classifier', async () => {
    const first = environment();
    first.env.on('heartbeat', (d: FinetuneHeartbeat) => {
      if (d.step >= 30) first.env.cancel();
    });
    const error = await first.env.run(bertFinetune(deps()), input('wf-cancel')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledFailure);
    const details = first.beats.at(-1)!;
    const stoppedAt = details.checkpoint!.step;
    expect(stoppedAt).toBeGreaterThanOrEqual(30);
    expect(stoppedAt).toBeLessThan(120);
    expect((await fs.readdir(details.checkpoint!.path)).sort()).toEqual(['best.bin', 'checkpoint.json', 'state.bin', 'state.json']);

    logs.length = 0;
    const retry = environment({ heartbeatDetails: details, attempt: 2 });
    const result: StepResult = await retry.env.run(bertFinetune(deps()), input('wf-cancel'));
    expect(logs.join('\n')).toContain(`resuming from checkpoint ${details.checkpoint!.path}`);
    const trained = retry.beats.filter((b) => b.loss !== null).map((b) => b.step);
    expect(Math.min(...trained)).toBe(stoppedAt + 1);
    // Same weights bit for bit, hence the same classifier directory digest.
    expect((result.outputs.model as ArtifactRef).digest).toBe((straight.outputs.model as ArtifactRef).digest);
    expect(await fs.readdir(checkpointRoot('wf-cancel', 'finetune', tmp))).toContain('step-120');
  });

  it('fine-tunes a pretrained model artifact with the tokenizer it carries', async () => {
    const { env } = environment();
    const { tokenizer: _t, ...rest } = input('wf-pretrained', { model: refs.pretrained!, epochs: 1 }).inputs;
    const result: StepResult = await env.run(bertFinetune(deps()), { ...input('wf-pretrained'), inputs: rest });
    const model = result.outputs.model as ArtifactRef;
    expect(model.meta).toMatchObject({ from_scratch: false, steps: 12, hidden_size: 32 });
    const config = JSON.parse(await fs.readFile(path.join(store.pathOf(model), 'config.json'), 'utf8'));
    expect(config).toMatchObject({ format: 'kiln/bert-classifier@1', kiln: { base_model: refs.pretrained!.digest, tokenizer: refs.pretrained!.digest } });
  });

  it('rejects bad input before training, naming what is wrong', async () => {
    const run = (extra: { [key: string]: Json }) => failure(environment().env.run(bertFinetune(deps()), input('wf-bad', extra)));
    const vocab = await run({ model: refs.wrongVocab! });
    expect(vocab.type).toBe('InvalidInput');
    expect(vocab.nonRetryable).toBe(true);
    expect(vocab.message).toMatch(/^steps\.finetune\.with\.tokenizer: the tokenizer has 23 tokens but the model's vocab_size is 28/);

    const long = await run({ max_seq_length: 32 });
    expect(long.message).toMatch(/^steps\.finetune\.with\.max_seq_length: must be at most model\.from_scratch\.max_position_embeddings = 16 \(got 32\)/);

    const labels = await run({ validation: refs.badSplit! });
    expect(labels.type).toBe('InvalidInput');
    expect(labels.message).toContain('steps.finetune.with.validation');
    expect(labels.message).toContain('example 2 has label id 2, but the labels file has 2 labels (ids 0..1: negative, positive)');

    const noTokenizer = await failure(
      environment().env.run(bertFinetune(deps()), { ...input('wf-bad'), inputs: { ...input('wf-bad').inputs, tokenizer: undefined as unknown as Json } }),
    );
    expect(noTokenizer.message).toMatch(/^steps\.finetune\.with: missing required key "tokenizer" when model\.from_scratch is set/);
    expect(await fs.readdir(checkpointRoot('wf-bad', 'finetune', tmp)).catch(() => [])).toEqual([]);
  });
});
