import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { initBackend } from '../../../nlp/backend';
import { createBertModel, disposeBertModel } from '../../../nlp/bert/model';
import { bertWeightLayout } from '../../../nlp/bert/params';
import { bertModelFromSaved, headOf, loadSavedModel, saveBertModel, writeSavedModel } from '../../../nlp/bert/saved-model';
import type { TensorData } from '../../../nlp/bert/tensor-file';
import { BertTokenizer, saveTokenizer } from '../../../nlp/tokenizer/tokenizer';
import { Vocab } from '../../../nlp/tokenizer/vocab';
import { TINY } from './helpers';

let dir: string;
let tokenizerDir: string;
const card = { steps: 0, seed: 0, backend: 'none', metrics: { train: null, validation: null }, lineage: {} };

beforeAll(async () => {
  await initBackend('wasm');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-saved-model-'));
  tokenizerDir = path.join(dir, 'tokenizer');
  const tokens = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...Array.from({ length: TINY.vocab_size - 5 }, (_, i) => `w${i}`)];
  await saveTokenizer(new BertTokenizer(Vocab.fromTokens(tokens)), tokenizerDir);
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('bertWeightLayout', () => {
  it('lists the names and shapes createBertModel makes, in the same order', () => {
    const model = createBertModel(TINY, 1);
    try {
      expect(bertWeightLayout(TINY)).toEqual(model.variables.map(({ name, variable }) => ({ name, shape: variable.shape })));
    } finally {
      disposeBertModel(model);
    }
  });
});

describe('saved models without heads', () => {
  it('load with the absent heads seeded and the rest as saved; pooling and max_seq_length read back', async () => {
    const model = createBertModel(TINY, 3);
    const weights = new Map<string, TensorData>();
    for (const { name, variable } of model.variables) {
      if (!headOf(name) || headOf(name) === 'pooler') weights.set(name, { values: variable.dataSync() as Float32Array, shape: variable.shape });
    }
    const out = path.join(dir, 'headless');
    await writeSavedModel(out, TINY, weights, { tokenizerDir, kiln: {}, card, pooling: { mode: 'mean', normalize: true }, maxSeqLength: 16, absent: ['mlm', 'nsp'] });
    const saved = await loadSavedModel(out);
    expect(saved.pooling).toEqual({ mode: 'mean', normalize: true });
    expect(saved.maxSeqLength).toBe(16);
    expect(saved.absent).toEqual(['mlm', 'nsp']);
    const loaded = bertModelFromSaved(saved);
    try {
      const word = loaded.variables.find((v) => v.name === 'embeddings/word_embeddings')!.variable.dataSync();
      expect(Array.from(word)).toEqual(Array.from(weights.get('embeddings/word_embeddings')!.values));
    } finally {
      disposeBertModel(loaded);
      disposeBertModel(model);
    }
  });

  it('refuse a missing head that config.json does not declare absent', async () => {
    const model = createBertModel(TINY, 3);
    const weights = new Map<string, TensorData>();
    for (const { name, variable } of model.variables) if (headOf(name) !== 'nsp') weights.set(name, { values: variable.dataSync() as Float32Array, shape: variable.shape });
    disposeBertModel(model);
    const out = path.join(dir, 'undeclared');
    await writeSavedModel(out, TINY, weights, { tokenizerDir, kiln: {}, card, absent: ['mlm'] });
    const saved = await loadSavedModel(out);
    expect(() => bertModelFromSaved(saved)).toThrow(/'cls\/seq_relationship\/kernel' is missing/);
  });

  it('default to [CLS] pooling, no absent heads and 512 or fewer positions for a model kiln trained', async () => {
    const model = createBertModel(TINY, 3);
    const out = path.join(dir, 'plain');
    await saveBertModel(out, model, { tokenizerDir, kiln: {}, card });
    disposeBertModel(model);
    const saved = await loadSavedModel(out);
    expect(saved.pooling).toEqual({ mode: 'cls', normalize: false });
    expect(saved.absent).toEqual([]);
    expect(saved.maxSeqLength).toBe(Math.min(512, TINY.max_position_embeddings));
    expect(JSON.parse(await fs.readFile(path.join(out, 'config.json'), 'utf8'))).not.toHaveProperty('pooling');
  });

  it('name the key of a malformed pooling or absent list', async () => {
    const out = path.join(dir, 'plain');
    const file = path.join(out, 'config.json');
    const json = JSON.parse(await fs.readFile(file, 'utf8'));
    await fs.writeFile(file, JSON.stringify({ ...json, pooling: { mode: 'max', normalize: false } }));
    await expect(loadSavedModel(out)).rejects.toThrow(/config\.json: pooling\.mode must be 'cls' or 'mean'/);
    await fs.writeFile(file, JSON.stringify({ ...json, absent: ['encoder'] }));
    await expect(loadSavedModel(out)).rejects.toThrow(/config\.json: absent must list some of mlm, nsp, pooler/);
  });
});
