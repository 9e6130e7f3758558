import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { stepDefaults } from '../../../compiler/step-inputs';
import { initBackend } from '../../../nlp/backend';
import { evaluatePretraining } from '../../../nlp/bert/evaluate';
import { readMetrics, type EvalRecord, type TrainRecord } from '../../../nlp/bert/metrics-log';
import { createBertModel, disposeBertModel } from '../../../nlp/bert/model';
import { learningRateAt } from '../../../nlp/bert/schedule';
import { decodeCheckpoint } from '../../../nlp/bert/train-checkpoint';
import { runPretraining, type TrainProgress } from '../../../nlp/bert/train-loop';
import { evalStep } from '../../../nlp/bert/train-step';
import { buildPretrainingData } from '../../../nlp/pretraining-data/build';
import { epochPermutation, openPretrainingData } from '../../../nlp/pretraining-data/reader';
import { BertTokenizer } from '../../../nlp/tokenizer/tokenizer';
import { Vocab } from '../../../nlp/tokenizer/vocab';
import { CheckpointStore, type CheckpointRecord } from '../../../store/checkpoints';
import { VOCAB, memorySource, testPermutation, tinyConfig } from './helpers';

beforeAll(async () => {
  await initBackend('wasm');
});

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-loop-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function sink(store: CheckpointStore, saved: number[] = []) {
  return { save: (step: number, files: ReadonlyMap<string, Uint8Array>) => (saved.push(step), store.save(step, files, { test: 1 })) };
}

describe('runPretraining', () => {
  it('writes averaged train lines every log_every steps and validation lines every eval_every', async () => {
    const config = tinyConfig({ steps: 6, log_every: 2, eval_every: 3, eval_batches: 2, checkpoint_every: 100 });
    const train = memorySource(12, 1);
    const validation = memorySource(5, 2);
    const progress: TrainProgress[] = [];
    const metricsFile = path.join(dir, 'metrics.jsonl');
    const saved: number[] = [];
    const result = await runPretraining({
      config,
      train,
      validation,
      permutation: testPermutation,
      metricsFile,
      checkpoints: sink(new CheckpointStore(path.join(dir, 'ckpt')), saved),
      onProgress: (p) => progress.push(p),
    });
    expect(result.status).toBe('completed');
    expect(result.step).toBe(6);
    expect(saved).toEqual([6]); // only the final checkpoint: checkpoint_every is beyond the run

    const lines = readMetrics(metricsFile);
    expect(lines.map((l) => `${l.split}@${l.step}`)).toEqual(['train@2', 'validation@3', 'train@4', 'train@6', 'validation@6']);
    const trainLines = lines.filter((l): l is TrainRecord => l.split === 'train');
    expect(Object.keys(trainLines[0]!).sort()).toEqual(
      ['elapsed', 'grad_norm', 'learning_rate', 'loss', 'mlm_accuracy', 'mlm_loss', 'nsp_accuracy', 'nsp_loss', 'split', 'step', 'tokens_per_sec'].sort(),
    );
    // Each line averages its two steps' losses, as reported step by step.
    for (const line of trainLines) {
      const window = progress.filter((p) => p.step > line.step - 2 && p.step <= line.step);
      expect(line.loss).toBeCloseTo((window[0]!.loss + window[1]!.loss) / 2, 5);
      expect(line.loss).toBeCloseTo(line.mlm_loss + line.nsp_loss, 5);
      expect(line.learning_rate).toBeCloseTo(learningRateAt(line.step - 1, { peak: 1e-3, warmupSteps: 0, totalSteps: 6 }), 12);
      expect(line.tokens_per_sec).toBeGreaterThan(0);
    }
    const evals = lines.filter((l): l is EvalRecord => l.split === 'validation');
    for (const e of evals) {
      expect(e.instances).toBe(4); // eval_batches 2 × batch_size 2 of the 5 validation instances
      expect(e.perplexity).toBeCloseTo(Math.exp(e.mlm_loss), 6);
      expect(e.mlm_accuracy).toBeGreaterThanOrEqual(0);
      expect(e.mlm_accuracy).toBeLessThanOrEqual(1);
    }
    expect(result.finalEval).toEqual(evals[1]);
    expect(result.lastTrain).toEqual(trainLines[2]);
    // 6 steps of 2 = 12 instances: exactly one epoch, each instance once.
    expect(train.reads.flat().sort((a, b) => a - b)).toEqual([...Array(12).keys()]);
    expect(progress.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6]);
    disposeBertModel(result.model);
  });

  it('walks epochs in permutation order, skipping a tail shorter than a batch', async () => {
    const config = tinyConfig({ steps: 4, batch_size: 2, checkpoint_every: 100 }, 5);
    const train = memorySource(5, 1);
    const result = await runPretraining({
      config,
      train,
      permutation: testPermutation,
      metricsFile: path.join(dir, 'm.jsonl'),
      checkpoints: sink(new CheckpointStore(path.join(dir, 'ckpt'))),
    });
    const e0 = Array.from(testPermutation(5, 5, 0));
    const e1 = Array.from(testPermutation(5, 5, 1));
    expect(train.reads).toEqual([e0.slice(0, 2), e0.slice(2, 4), e1.slice(0, 2), e1.slice(2, 4)]);
    expect(result.finalEval).toBeNull(); // no validation split
    disposeBertModel(result.model);
  });

  it('evaluates weighting masked-LM numbers by real predictions', async () => {
    const config = tinyConfig();
    const model = createBertModel(config.model, 3);
    const source = memorySource(3, 4);
    const e = await evaluatePretraining(model, source, { batchSize: 2, maxBatches: 5 });
    const a = evalStep(model, await source.readBatch([0, 1])); // 2 + 3 predictions
    const b = evalStep(model, await source.readBatch([2])); // 3 predictions
    expect(e?.instances).toBe(3);
    expect(e?.mlm_accuracy).toBeCloseTo((a.mlmAccuracy * 5 + b.mlmAccuracy * 3) / 8, 5);
    expect(e?.nsp_accuracy).toBeCloseTo((a.nspAccuracy * 2 + b.nspAccuracy) / 3, 5);
    expect(e?.perplexity).toBeCloseTo(Math.exp((a.mlmLoss * 5 + b.mlmLoss * 3) / 8), 4);
    expect(await evaluatePretraining(model, memorySource(0, 4), { batchSize: 2, maxBatches: 5 })).toBeNull();
    disposeBertModel(model);
  });

  it('on shouldStop writes a checkpoint at the current step, then stops', async () => {
    const config = tinyConfig({ steps: 8, checkpoint_every: 3 });
    const store = new CheckpointStore(path.join(dir, 'ckpt'));
    const saved: number[] = [];
    const reported: CheckpointRecord[] = [];
    let step = 0;
    const result = await runPretraining({
      config,
      train: memorySource(12, 1),
      permutation: testPermutation,
      metricsFile: path.join(dir, 'm.jsonl'),
      checkpoints: sink(store, saved),
      onProgress: (p) => (step = p.step),
      onCheckpoint: (r) => reported.push(r),
      shouldStop: () => step >= 4,
    });
    expect(result.status).toBe('stopped');
    expect(result.step).toBe(4);
    expect(saved).toEqual([3, 4]);
    expect(reported.map((r) => r.step)).toEqual([3, 4]);
    expect(result.lastCheckpoint).toEqual(reported[1]);
    const latest = await store.latestVerified({ config: { test: 1 } });
    const decoded = decodeCheckpoint(latest!.files);
    expect(decoded.loop.step).toBe(4);
    expect(decoded.loop.cursor).toEqual({ epoch: 0, offset: 8 });
    expect(decoded.training.json.optimizer.step).toBe(4);
    expect(decoded.config).toEqual(config);
    // The dropout stream advanced (one draw per dropped unit), and the state records where.
    expect(decoded.training.json.rng.dropout!.counter).toBeGreaterThan(0);
    disposeBertModel(result.model);
  });

  it('trains on the real pretraining-data reader, in its epochPermutation order', async () => {
    const words = Array.from({ length: VOCAB - 5 }, (_, i) => `w${i}`);
    const tokenizer = new BertTokenizer(Vocab.fromTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...words]));
    const docs = Array.from({ length: 6 }, (_, d) =>
      Array.from({ length: 5 }, (_, s) => Array.from({ length: 5 }, (_, w) => words[(d * 11 + s * 7 + w * 3) % words.length]).join(' ')).join('\n'),
    );
    const corpusFile = path.join(dir, 'corpus.txt');
    await fs.writeFile(corpusFile, docs.join('\n\n') + '\n');
    const outDir = path.join(dir, 'data');
    await buildPretrainingData({ corpusFile, tokenizer, outDir, options: { ...stepDefaults('bert/pretraining-data@v1'), max_seq_length: 16, max_predictions_per_seq: 3, dupe_factor: 1, validation_fraction: 0, seed: 2 } });
    const data = await openPretrainingData(outDir);
    try {
      const train = data.split('train');
      const config = tinyConfig({ steps: 3, checkpoint_every: 100 }, train.instances);
      const seen: number[][] = [];
      const recording = { ...train, readBatch: (indices: readonly number[]) => (seen.push([...indices]), train.readBatch(indices)) };
      const result = await runPretraining({
        config,
        train: recording,
        permutation: epochPermutation,
        metricsFile: path.join(dir, 'm.jsonl'),
        checkpoints: sink(new CheckpointStore(path.join(dir, 'ckpt'))),
      });
      const order = Array.from(epochPermutation(train.instances, config.training.seed, 0));
      expect(seen).toEqual([order.slice(0, 2), order.slice(2, 4), order.slice(4, 6)]);
      expect(result.lastTrain!.loss).toBeGreaterThan(0);
      expect(Number.isFinite(result.lastTrain!.loss)).toBe(true);
      disposeBertModel(result.model);
    } finally {
      await data.close();
    }
  });
});
