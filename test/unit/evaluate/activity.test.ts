// bert/evaluate@v1 under MockActivityEnvironment with a temporary store: a fine-tuned classifier on a labelled split
// (report, headline metrics, a gate that passes and one that fails with GateFailed after storing the report), and a
// pretrained encoder on pretraining data (masked-LM accuracy, perplexity, next-sentence accuracy).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { activityDeps } from '../../../activities/deps';
import { bertEvaluate } from '../../../activities/bert-evaluate';
import { stepDefaults } from '../../../compiler/step-inputs';
import type { Json } from '../../../contract/json';
import type { StepInput, StepResult } from '../../../compiler/types';
import { initBackend } from '../../../nlp/backend';
import { bertConfig } from '../../../nlp/bert/config';
import { evaluatePretraining } from '../../../nlp/bert/evaluate';
import { createBertModel, disposeBertModel } from '../../../nlp/bert/model';
import { saveBertModel } from '../../../nlp/bert/saved-model';
import { writeLabels } from '../../../nlp/dataset/split-file';
import { runFinetuning } from '../../../nlp/finetune/loop';
import { createClassifierModel, disposeClassifierModel } from '../../../nlp/finetune/model';
import { saveClassifier } from '../../../nlp/finetune/saved-classifier';
import { buildPretrainingData } from '../../../nlp/pretraining-data/build';
import { openPretrainingData } from '../../../nlp/pretraining-data/reader';
import { ArtifactStore } from '../../../store/artifacts';
import type { ArtifactRef } from '../../../store/types';
import { encoded, fixtureTokenizer, LABELS, sentimentExamples, TINY_MODEL, tinyFinetuneConfig, writeFixture } from '../finetune/helpers';

let tmp: string;
let store: ArtifactStore;
const refs: { [name: string]: ArtifactRef } = {};

async function put(file: string, kind: string): Promise<ArtifactRef> {
  const to = path.join(await store.stagingDir('in'), path.basename(file));
  await fs.cp(file, to, { recursive: true });
  return (await fs.stat(to)).isDirectory() ? store.putDirectory(to, { kind }) : store.putFile(to, { kind });
}

beforeAll(async () => {
  await initBackend('wasm');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-evaluate-'));
  store = new ArtifactStore(path.join(tmp, 'store'));
  const files = await writeFixture(path.join(tmp, 'fixture'));
  const tokenizer = fixtureTokenizer();

  // A classifier trained in-process (a second): the activity only loads it.
  const config = tinyFinetuneConfig({ epochs: 8 });
  const trained = await runFinetuning({
    config,
    model: createClassifierModel(createBertModel(config.model, 3), 2, 3),
    train: encoded(sentimentExamples(60)),
    validation: encoded(sentimentExamples(20, 1000)),
    padId: tokenizer.specialIds.pad,
    metricsFile: path.join(tmp, 'metrics.jsonl'),
    checkpoints: { save: async (step) => step },
  });
  const classifierDir = path.join(tmp, 'classifier');
  await saveClassifier(classifierDir, trained.model, {
    tokenizerDir: files.tokenizerDir,
    labelsFile: files.labels,
    classifier: { num_labels: 2, labels: LABELS.names, max_seq_length: 16, name: 'test/finetune' },
    kiln: {},
    card: {},
  });
  disposeClassifierModel(trained.model);
  refs.classifier = await put(classifierDir, 'classifier');
  refs.test = await put(files.test, 'dataset-split');
  refs.labels = await put(files.labels, 'labels');
  const otherLabels = path.join(tmp, 'other', 'labels.json');
  await fs.mkdir(path.dirname(otherLabels));
  await writeLabels(otherLabels, { names: ['positive', 'negative'], counts: {} });
  refs.otherLabels = await put(otherLabels, 'labels');

  // A (random) pretrained encoder and pretraining data over the fixture's words.
  const corpus = path.join(tmp, 'corpus.txt');
  const docs = Array.from({ length: 8 }, (_, d) => sentimentExamples(5, d * 10).map((e) => e.text).join('\n'));
  await fs.writeFile(corpus, docs.join('\n\n') + '\n');
  const dataDir = path.join(tmp, 'data');
  const options = { ...stepDefaults('bert/pretraining-data@v1'), max_seq_length: 16, max_predictions_per_seq: 3, dupe_factor: 2, validation_fraction: 0.3, seed: 1 };
  await buildPretrainingData({ corpusFile: corpus, tokenizer, outDir: dataDir, options });
  refs.data = await put(dataDir, 'pretraining-data');
  const encoderDir = path.join(tmp, 'encoder');
  const bert = createBertModel(bertConfig({ ...stepDefaults('bert/pretrain@v1').model, ...TINY_MODEL }, tokenizer.vocab.size), 2);
  const card = { steps: 0, seed: 2, backend: 'wasm', metrics: { train: null, validation: null }, lineage: {} };
  await saveBertModel(encoderDir, bert, { tokenizerDir: files.tokenizerDir, kiln: {}, card });
  disposeBertModel(bert);
  refs.encoder = await put(encoderDir, 'model');
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

function input(inputs: { [key: string]: Json }): StepInput {
  return { runId: 'r', workflowId: 'wf', pipeline: 'test', stepId: 'evaluate', cache: false, resumedFrom: [], baseDir: tmp, inputs: { backend: 'wasm', batch_size: 8, ...inputs } };
}

const run = (inputs: { [key: string]: Json }): Promise<StepResult> =>
  new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR') }).run(bertEvaluate(activityDeps(tmp)), input(inputs));

async function failure(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

describe('bert/evaluate@v1 on a classification split', () => {
  it('writes a report with every metric, per-label scores and the named confusion matrix; the gate passes', async () => {
    const result = await run({ model: refs.classifier!, dataset: refs.test!, labels: refs.labels!, gate: { min: { accuracy: 0.8 }, max: { loss: 5 } } });
    expect(result.outputs.passed).toBe(true);
    const metrics = result.outputs.metrics as { [key: string]: number };
    expect(Object.keys(metrics).sort()).toEqual(['accuracy', 'examples', 'latency_ms', 'loss', 'macro_f1']);
    expect(metrics.examples).toBe(20);
    expect(metrics.accuracy).toBeGreaterThanOrEqual(0.8);

    const ref = result.outputs.report as ArtifactRef;
    expect(ref.kind).toBe('report');
    const report = await store.readJson<{ [key: string]: any }>(ref); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(report).toMatchObject({
      format: 'kiln/evaluation-report@1',
      task: 'classification',
      model: { uri: refs.classifier!.uri, digest: refs.classifier!.digest, kind: 'classifier' },
      dataset: { uri: refs.test!.uri, digest: refs.test!.digest, kind: 'dataset-split' },
      gate: { passed: true, misses: [], summary: 'gate passed' },
    });
    const matrix = report.confusion_matrix;
    expect(matrix).toMatchObject({ labels: ['negative', 'positive'], rows: 'gold', columns: 'predicted' });
    expect(matrix.matrix.flat().reduce((a: number, b: number) => a + b, 0)).toBe(20);
    expect(matrix.matrix[0][0] + matrix.matrix[1][1]).toBe(Math.round(report.metrics.accuracy * 20));
    expect(report.per_class.map((c: { label: string; support: number }) => [c.label, c.support])).toEqual([['negative', 10], ['positive', 10]]);
    expect(report.metrics.accuracy).toBe(metrics.accuracy);
    expect(report.latency.ms_per_example).toBeGreaterThan(0);
  });

  it('a missed gate fails with GateFailed (not retried), naming the numbers and the report, which is stored', async () => {
    const error = await failure(run({ model: refs.classifier!, dataset: refs.test!, max_batches: 1, gate: { min: { accuracy: 1.01, macro_f1: 1.01 } } }));
    expect(error.type).toBe('GateFailed');
    expect(error.nonRetryable).toBe(true);
    const match = /^steps\.evaluate: gate failed: accuracy ([\d.]+) < min 1\.01; macro_f1 ([\d.]+) < min 1\.01 \(report (kiln:\/\/sha256\/[0-9a-f]{64})\)\nhint: /.exec(error.message);
    expect(match, error.message).not.toBeNull();
    const report = await store.readJson<{ [key: string]: any }>({ uri: match![3]! }); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(report.metrics.examples).toBe(8); // max_batches 1 × batch_size 8
    expect(Number(match![1])).toBe(Number(report.metrics.accuracy.toPrecision(4)));
    expect(report.gate).toMatchObject({ passed: false, min: { accuracy: 1.01, macro_f1: 1.01 } });
    expect(report.gate.misses.map((m: { metric: string }) => m.metric)).toEqual(['accuracy', 'macro_f1']);
  });

  it('rejects gate metrics the evaluation does not have, listing the available ones, and labels of another order', async () => {
    const unknown = await failure(run({ model: refs.classifier!, dataset: refs.test!, gate: { min: { mlm_accuracy: 0.5 } } }));
    expect(unknown.type).toBe('InvalidInput');
    expect(unknown.message).toBe(
      'steps.evaluate.with.gate.min.mlm_accuracy: unknown key "mlm_accuracy" when dataset.kind is "dataset-split"\n' +
        'hint: allowed when dataset.kind is "dataset-split": accuracy, macro_f1, macro_precision, macro_recall, loss, latency_ms; a classifier on a dataset split is scored on these',
    );
    const labels = await failure(run({ model: refs.classifier!, dataset: refs.test!, labels: refs.otherLabels! }));
    expect(labels.type).toBe('InvalidInput');
    expect(labels.message).toContain('but the classifier was trained on ["negative","positive"]');
    const wrongPair = await failure(run({ model: refs.encoder!, dataset: refs.test! }));
    expect(wrongPair.message).toContain('steps.evaluate.with.model.kind: must be "classifier" when dataset.kind is "dataset-split" (got "model")');
    expect(wrongPair.message).toContain('hint: a pretrained model has no classification head');
  });
});

describe('bert/evaluate@v1 on pretraining data', () => {
  it('reports masked-LM accuracy, perplexity and next-sentence accuracy, gated with max for loss-like metrics', async () => {
    const result = await run({ model: refs.encoder!, dataset: refs.data!, gate: { max: { perplexity: 1000 }, min: { nsp_accuracy: 0 } } });
    const metrics = result.outputs.metrics as { [key: string]: number };
    expect(Object.keys(metrics).sort()).toEqual(['instances', 'latency_ms', 'loss', 'mlm_accuracy', 'nsp_accuracy', 'perplexity']);

    // The same numbers as nlp/bert/evaluate.ts on the validation split.
    const data = await openPretrainingData(store.pathOf(refs.data!));
    const { bertModelFromSaved, loadSavedModel } = await import('../../../nlp/bert/saved-model');
    const bert = bertModelFromSaved(await loadSavedModel(store.pathOf(refs.encoder!)));
    const direct = (await evaluatePretraining(bert, data.split('validation'), { batchSize: 8, maxBatches: Infinity }))!;
    disposeBertModel(bert);
    await data.close();
    expect(metrics.instances).toBe(direct.instances);
    expect(metrics.mlm_accuracy).toBe(Number(direct.mlm_accuracy.toPrecision(6)));
    expect(metrics.perplexity).toBe(Number(direct.perplexity.toPrecision(6)));
    expect(metrics.nsp_accuracy).toBe(Number(direct.nsp_accuracy.toPrecision(6)));
    expect(direct.perplexity).toBeGreaterThan(5); // a random encoder: close to the 23-token vocabulary

    const report = await store.readJson<{ [key: string]: any }>(result.outputs.report as ArtifactRef); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(report).toMatchObject({ task: 'pretraining', split: 'validation', metrics: { mlm_loss: direct.mlm_loss, perplexity: direct.perplexity } });

    const miss = await failure(run({ model: refs.encoder!, dataset: refs.data!, gate: { max: { perplexity: 2 } } }));
    expect(miss.type).toBe('GateFailed');
    expect(miss.message).toMatch(/gate failed: perplexity [\d.]+ > max 2 \(report kiln:\/\/sha256\//);
  });
});
