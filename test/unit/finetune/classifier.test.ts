// The classifier directory round trip and the inference API serving uses: what loadClassifier predicts is what the
// trained model predicted in memory, in one padded forward pass, without leaking tensors.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { initBackend } from '../../../nlp/backend';
import { createBertModel } from '../../../nlp/bert/model';
import { saveBertModel } from '../../../nlp/bert/saved-model';
import { collate } from '../../../nlp/finetune/batch';
import { ClassifierLoadError, loadClassifier } from '../../../nlp/finetune/classifier';
import { createClassifierModel, disposeClassifierModel, type ClassifierModel } from '../../../nlp/finetune/model';
import { loadSavedClassifier, saveClassifier } from '../../../nlp/finetune/saved-classifier';
import { predictLogProbabilities } from '../../../nlp/finetune/step';
import { encoded, fixtureTokenizer, LABELS, sentimentExamples, TINY_MODEL, writeFixture, type FixtureFiles } from './helpers';

let dir: string;
let files: FixtureFiles;
let model: ClassifierModel;
const modelDir = () => path.join(dir, 'classifier');

beforeAll(async () => {
  await initBackend('wasm');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-classifier-'));
  files = await writeFixture(path.join(dir, 'fixture'));
  const config = { ...TINY_MODEL, vocab_size: fixtureTokenizer().vocab.size, type_vocab_size: 2, hidden_dropout: 0.1, attention_dropout: 0.1, initializer_range: 0.5, layer_norm_eps: 1e-12 };
  // A wide initialiser gives confident, text-dependent predictions without training.
  model = createClassifierModel(createBertModel(config, 11), 2, 11);
  await saveClassifier(modelDir(), model, {
    tokenizerDir: files.tokenizerDir,
    labelsFile: files.labels,
    classifier: { num_labels: 2, labels: LABELS.names, max_seq_length: 12, name: 'test/finetune' },
    kiln: { type: 'bert/finetune@v1' },
    card: { steps: 0 },
  });
});
afterAll(async () => {
  disposeClassifierModel(model);
  await fs.rm(dir, { recursive: true, force: true });
});

describe('classifier directory', () => {
  it('holds config, weights with the head, tokenizer, labels and card', async () => {
    expect((await fs.readdir(modelDir())).sort()).toEqual(['config.json', 'labels.json', 'model-card.json', 'tokenizer.json', 'vocab.txt', 'weights.bin']);
    const saved = await loadSavedClassifier(modelDir());
    expect(saved.classifier).toEqual({ num_labels: 2, labels: ['negative', 'positive'], max_seq_length: 12, name: 'test/finetune' });
    expect(saved.weights.get('classifier/kernel')!.shape).toEqual([32, 2]);
    expect(saved.weights.get('classifier/bias')!.shape).toEqual([2]);
    expect([...saved.weights.keys()].some((n) => n.startsWith('cls/'))).toBe(false); // no pretraining heads
    expect(saved.weights.size).toBe(model.variables.length);
  });

  it('loadClassifier predicts exactly what the in-memory model does, in one forward pass, without leaks', async () => {
    const classifier = await loadClassifier(modelDir());
    expect(classifier.name).toBe('test/finetune');
    expect(classifier.labels).toEqual(['negative', 'positive']);
    expect(classifier.maxSeqLength).toBe(12);
    const texts = sentimentExamples(6, 300).map((e) => e.text);
    texts.push('good '.repeat(40)); // longer than max_seq_length: truncated, not rejected
    const before = tf.memory().numTensors;
    const predictions = await classifier.predict(texts);
    expect(tf.memory().numTensors).toBe(before);

    const expected = predictLogProbabilities(model, collate(encoded(texts.map((text) => ({ text, label: 0 })), 12), 0));
    expect(predictions).toHaveLength(7);
    predictions.forEach((p, i) => {
      const probs = [Math.exp(expected[2 * i]!), Math.exp(expected[2 * i + 1]!)];
      expect(p.probabilities).toEqual({ negative: probs[0], positive: probs[1] });
      expect(p.label).toBe(probs[1]! > probs[0]! ? 'positive' : 'negative');
      expect(probs[0]! + probs[1]!).toBeCloseTo(1, 5);
    });
    expect(new Set(predictions.map((p) => p.probabilities.positive!.toFixed(6))).size).toBeGreaterThan(1);

    const pairs = await classifier.predict(['good movie', 'bad plot'], ['it was', 'the actor']);
    expect(pairs).toHaveLength(2);
    expect(await classifier.predict([])).toEqual([]);
    await expect(classifier.predict(['a'], ['b', 'c'])).rejects.toThrow('pairs must be an array of 1 strings');
    classifier.dispose();
    expect(tf.memory().numTensors).toBe(before - model.bert.variables.length - 2); // its encoder's variables and the head's
    await expect(classifier.predict(['good'])).rejects.toThrow("classifier 'test/finetune' was disposed");
  });

  it('loadClassifier errors name the file and say how to fix it', async () => {
    const missing = await loadClassifier(path.join(dir, 'nowhere')).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ClassifierLoadError);
    expect((missing as ClassifierLoadError).file).toBe(path.join(dir, 'nowhere', 'config.json'));

    const encoderDir = path.join(dir, 'encoder');
    const bert = createBertModel({ ...(await loadSavedClassifier(modelDir())).config }, 1);
    await saveBertModel(encoderDir, bert, { tokenizerDir: files.tokenizerDir, kiln: {}, card: { steps: 0, seed: 1, backend: 'wasm', metrics: { train: null, validation: null }, lineage: {} } });
    bert.variables.forEach((v) => v.variable.dispose());
    const wrongKind = (await loadClassifier(encoderDir).catch((e: unknown) => e)) as ClassifierLoadError;
    expect(wrongKind).toBeInstanceOf(ClassifierLoadError);
    expect(wrongKind.message).toBe(`${encoderDir}/config.json: format is "kiln/bert-model@1", expected 'kiln/bert-classifier@1'`);
    expect(wrongKind.hint).toMatch(/pretrained encoder .* fine-tune it with bert\/finetune@v1/);

    const truncated = path.join(dir, 'truncated');
    await fs.cp(modelDir(), truncated, { recursive: true });
    const weights = await fs.readFile(path.join(truncated, 'weights.bin'));
    await fs.writeFile(path.join(truncated, 'weights.bin'), weights.subarray(0, weights.length - 8));
    const damaged = (await loadClassifier(truncated).catch((e: unknown) => e)) as ClassifierLoadError;
    expect(damaged.file).toBe(path.join(truncated, 'weights.bin'));
    expect(damaged.message).toContain("truncated: 'classifier/bias'");
  });
});
