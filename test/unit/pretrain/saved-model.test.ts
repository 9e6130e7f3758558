import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { initBackend } from '../../../nlp/backend';
import { createBertModel, disposeBertModel } from '../../../nlp/bert/model';
import { SAVED_MODEL_FORMAT, SavedModelError, bertModelFromSaved, loadSavedModel, saveBertModel } from '../../../nlp/bert/saved-model';
import { evalStep } from '../../../nlp/bert/train-step';
import { loadTokenizer } from '../../../nlp/tokenizer/tokenizer';
import { memorySource, tinyConfig } from './helpers';

let dir: string;
beforeAll(async () => {
  await initBackend('wasm');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-saved-'));
  await fs.mkdir(path.join(dir, 'tok'));
  await fs.copyFile(new URL('../../fixtures/tokenizer/tiny-vocab.txt', import.meta.url), path.join(dir, 'tok', 'vocab.txt'));
  const config = { lowercase: true, strip_accents: null, handle_chinese_chars: true, clean_text: true, vocab_size: 23 };
  await fs.writeFile(path.join(dir, 'tok', 'tokenizer.json'), JSON.stringify({ ...config, special_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'], max_input_chars_per_word: 100 }));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const card = { steps: 3, seed: 5, backend: 'wasm', metrics: { train: { loss: 4.5 }, validation: null }, lineage: { data: 'sha256:d' } };

describe('saved models', () => {
  it('round-trip: the loaded model computes exactly what the saved one did', async () => {
    const model = createBertModel(tinyConfig().model, 11);
    const out = path.join(dir, 'model');
    await saveBertModel(out, model, { tokenizerDir: path.join(dir, 'tok'), kiln: { type: 'bert/pretrain@v1' }, card });
    expect((await fs.readdir(out)).sort()).toEqual(['config.json', 'model-card.json', 'tokenizer.json', 'vocab.txt', 'weights.bin']);
    const config = JSON.parse(await fs.readFile(path.join(out, 'config.json'), 'utf8'));
    expect(config.format).toBe(SAVED_MODEL_FORMAT);
    expect(config.bert).toEqual(model.config);

    const saved = await loadSavedModel(out);
    expect(saved.card).toEqual(card);
    expect(saved.kiln).toEqual({ type: 'bert/pretrain@v1' });
    expect((await loadTokenizer(out)).vocab.size).toBe(23);
    const loaded = bertModelFromSaved(saved);
    const batch = await memorySource(2, 1).readBatch([0, 1]);
    expect(evalStep(loaded, batch)).toEqual(evalStep(model, batch));
    disposeBertModel(loaded);
    disposeBertModel(model);
  });

  it('names the file at fault', async () => {
    const out = path.join(dir, 'model');
    await fs.truncate(path.join(out, 'weights.bin'), 100);
    await expect(loadSavedModel(out)).rejects.toThrow(SavedModelError);
    await expect(loadSavedModel(out)).rejects.toThrow(/weights\.bin: tensor file: truncated/);
    await fs.writeFile(path.join(out, 'config.json'), '{"format": "other"}');
    await expect(loadSavedModel(out)).rejects.toThrow(/config\.json: format is "other", expected 'kiln\/bert-model@1'/);
  });
});
