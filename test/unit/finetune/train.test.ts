// Fine-tuning a tiny encoder from scratch on the good/bad fixture: it learns (well above chance on held-out
// examples in seconds), and early stopping returns the weights of the best validation pass.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { initBackend } from '../../../nlp/backend';
import { createBertModel } from '../../../nlp/bert/model';
import { readMetrics } from '../../../nlp/bert/metrics-log';
import type { FinetuneConfig } from '../../../nlp/finetune/config';
import type { EncodedExample } from '../../../nlp/finetune/examples';
import { runFinetuning } from '../../../nlp/finetune/loop';
import { createClassifierModel, disposeClassifierModel } from '../../../nlp/finetune/model';
import { evaluateExamples } from '../../../nlp/finetune/predict';
import type { FinetuneRecord } from '../../../nlp/finetune/records';
import { encoded, fixtureTokenizer, sentimentExamples, tinyFinetuneConfig } from './helpers';

let dir: string;
beforeAll(async () => {
  await initBackend('wasm');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-finetune-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const PAD = fixtureTokenizer().specialIds.pad;

async function finetune(name: string, config: FinetuneConfig, validation: EncodedExample[]) {
  const model = createClassifierModel(createBertModel(config.model, config.training.seed), 2, config.training.seed);
  return runFinetuning({
    config,
    model,
    train: encoded(sentimentExamples(60)),
    validation,
    padId: PAD,
    metricsFile: path.join(dir, `${name}.jsonl`),
    checkpoints: { save: async (step) => step },
  });
}

describe('runFinetuning', () => {
  it('learns the good/bad task from scratch: held-out accuracy well above chance', async () => {
    const config = tinyFinetuneConfig();
    const tensors = tf.memory().numTensors;
    const t0 = performance.now();
    const result = await finetune('learn', config, encoded(sentimentExamples(20, 1000)));
    const seconds = (performance.now() - t0) / 1000;
    expect(result.status).toBe('completed');
    expect(result.step).toBe(10 * 12); // 60 examples in batches of 5, 10 epochs
    const test = await evaluateExamples(result.model, encoded(sentimentExamples(40, 2000)), { batchSize: 16, padId: PAD });
    expect(test.examples).toBe(40);
    expect(test.accuracy).toBeGreaterThanOrEqual(0.85); // chance is 0.5
    expect(result.best!.accuracy).toBeGreaterThanOrEqual(0.85);
    expect(seconds).toBeLessThan(30);

    const lines = readMetrics<FinetuneRecord>(path.join(dir, 'learn.jsonl'));
    const evals = lines.filter((l) => l.split === 'validation');
    expect(evals.map((l) => l.step)).toEqual([12, 24, 36, 48, 60, 72, 84, 96, 108, 120]); // one pass per epoch
    expect(evals.map((l) => l.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const train = lines.filter((l) => l.split === 'train');
    expect(train.at(-1)!.step).toBe(120);
    expect(train[0]!.loss).toBeGreaterThan(train.at(-1)!.loss);
    disposeClassifierModel(result.model);
    expect(tf.memory().numTensors).toBe(tensors); // no step, evaluation or optimizer slot leaked
  });

  it('early stopping ends training after `patience` passes without improvement and keeps the best weights', async () => {
    // Validation labels are the opposite of training's: the more the model learns, the worse validation gets.
    const validation = encoded(sentimentExamples(20, 1000, true));
    const config = tinyFinetuneConfig({ early_stopping: { patience: 2, metric: 'loss' } });
    const result = await finetune('early', config, validation);
    expect(result.status).toBe('completed');
    expect(result.stoppedEarly).toBe(true);
    const evals = readMetrics<FinetuneRecord>(path.join(dir, 'early.jsonl')).filter((l) => l.split === 'validation');
    const best = evals.find((e) => e.split === 'validation' && e.best && e.step === result.best!.step)!;
    expect(best).toBeDefined();
    // Stopped exactly `patience` passes after the best one, long before the 60 steps configured.
    expect(evals.at(-1)!.step).toBe(best.step + 2 * 12);
    expect(result.step).toBe(best.step + 2 * 12);
    expect(result.step).toBeLessThan(120);
    expect(evals.filter((e) => e.step > best.step).every((e) => e.split === 'validation' && !e.best && e.loss >= best.loss)).toBe(true);
    // The returned model holds the best pass's weights: evaluating it again reproduces that pass exactly.
    const again = await evaluateExamples(result.model, validation, { batchSize: 5, padId: PAD });
    expect(again.loss).toBe(result.best!.loss);
    expect(again.accuracy).toBe(result.best!.accuracy);
    disposeClassifierModel(result.model);
  });
});
