// sentence-transformers' modules.json and module configs read as a kiln Pooling.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { HfFormatError } from '../../../nlp/hf/errors';
import { readSentenceTransformers } from '../../../nlp/hf/sentence-transformers';

// all-MiniLM-L6-v2's modules.json, 1_Pooling/config.json and sentence_bert_config.json, as published.
const MINILM = path.resolve(import.meta.dirname, '../../fixtures/hf/sentence-transformers');
const TRANSFORMER = { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' };
const POOLING = { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' };
const NORMALIZE = { idx: 2, name: '2', path: '2_Normalize', type: 'sentence_transformers.models.Normalize' };
const MODES = { pooling_mode_cls_token: false, pooling_mode_mean_tokens: false, pooling_mode_max_tokens: false, pooling_mode_mean_sqrt_len_tokens: false };

let tmp: string;
let dirs = 0;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-hf-st-'));
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** A directory with modules.json and the given files (objects written as JSON). */
async function model(modules: unknown, files: Record<string, unknown> = {}): Promise<string> {
  const dir = path.join(tmp, `case-${++dirs}`);
  for (const [name, content] of Object.entries({ 'modules.json': modules, ...files })) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

async function refusal(dir: string): Promise<string> {
  const error = await readSentenceTransformers(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HfFormatError);
  expect((error as HfFormatError).hint).toBeTruthy();
  return (error as Error).message.replace(dir, '<dir>');
}

describe('readSentenceTransformers', () => {
  it("reads all-MiniLM-L6-v2's mean pooling, Normalize and max_seq_length", async () => {
    expect(await readSentenceTransformers(MINILM)).toEqual({
      pooling: { mode: 'mean', normalize: true },
      maxSeqLength: 256,
      modules: ['Transformer', 'Pooling', 'Normalize'],
    });
  });

  it('is undefined for a plain transformers model (no modules.json)', async () => {
    const dir = path.join(tmp, 'plain');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'config.json'), '{}');
    expect(await readSentenceTransformers(dir)).toBeUndefined();
  });

  it('reads [CLS] pooling without Normalize, and no max_seq_length without sentence_bert_config.json', async () => {
    const dir = await model([POOLING, TRANSFORMER], { '1_Pooling/config.json': { ...MODES, pooling_mode_cls_token: true } });
    expect(await readSentenceTransformers(dir)).toEqual({ pooling: { mode: 'cls', normalize: false }, modules: ['Transformer', 'Pooling'] });
  });

  it.each<[string, Record<string, boolean>, string]>([
    ['max', { pooling_mode_max_tokens: true }, 'pooling_mode_max_tokens is true; kiln pools by the mean or by [CLS]'],
    ['mean_sqrt_len', { pooling_mode_mean_sqrt_len_tokens: true }, 'pooling_mode_mean_sqrt_len_tokens is true; kiln pools by the mean or by [CLS]'],
    ['weighted mean', { pooling_mode_weightedmean_tokens: true }, 'pooling_mode_weightedmean_tokens is true; kiln pools by the mean or by [CLS]'],
    ['last token', { pooling_mode_lasttoken: true }, 'pooling_mode_lasttoken is true; kiln pools by the mean or by [CLS]'],
    ['mean and max', { pooling_mode_mean_tokens: true, pooling_mode_max_tokens: true }, 'pooling_mode_max_tokens is true; kiln pools by the mean or by [CLS]'],
    ['mean and cls', { pooling_mode_mean_tokens: true, pooling_mode_cls_token: true }, 'pooling_mode_mean_tokens and pooling_mode_cls_token are both true (a concatenation); kiln pools by one of them'],
    ['no mode', {}, 'neither pooling_mode_mean_tokens nor pooling_mode_cls_token is true'],
  ])('refuses %s pooling', async (_, modes, message) => {
    const dir = await model([TRANSFORMER, POOLING], { '1_Pooling/config.json': { ...MODES, ...modes } });
    expect(await refusal(dir)).toBe(`<dir>/1_Pooling/config.json: ${message}`);
  });

  it.each<[string, unknown, string]>([
    ['a Dense module', [TRANSFORMER, POOLING, { idx: 2, name: '2', path: '2_Dense', type: 'sentence_transformers.models.Dense' }, NORMALIZE], 'the modules are Transformer → Pooling → Dense → Normalize; kiln needs Transformer → Pooling, optionally → Normalize'],
    ['no Pooling module', [TRANSFORMER, { ...NORMALIZE, idx: 1 }], 'the modules are Transformer → Normalize; kiln needs Transformer → Pooling, optionally → Normalize'],
    ['no modules', [], 'the modules are none; kiln needs Transformer → Pooling, optionally → Normalize'],
    ['a Transformer in a subdirectory', [{ ...TRANSFORMER, path: '0_Transformer' }, POOLING], 'the Transformer module is in 0_Transformer/; kiln reads the model from the directory holding modules.json'],
    ['an entry without a type', [TRANSFORMER, { idx: 1, path: '1_Pooling' }], 'entry 1: expected {"idx", "name", "path", "type"}, got {"idx":1,"path":"1_Pooling"}'],
    ['an object', { modules: [] }, 'expected a JSON list of modules'],
  ])('refuses %s', async (_, modules, message) => {
    expect(await refusal(await model(modules))).toBe(`<dir>/modules.json: ${message}`);
  });

  it('refuses a missing Pooling config, bad JSON, a bad max_seq_length and lowercasing before the tokenizer', async () => {
    expect(await refusal(await model([TRANSFORMER, POOLING]))).toBe('<dir>/1_Pooling/config.json: missing: modules.json lists a Pooling module here');
    expect(await refusal(await model('[{"idx": 0,'))).toMatch(/^<dir>\/modules\.json: not valid JSON \(/);
    const pooling = { '1_Pooling/config.json': { ...MODES, pooling_mode_mean_tokens: true } };
    const bad = await model([TRANSFORMER, POOLING], { ...pooling, 'sentence_bert_config.json': { max_seq_length: -1 } });
    expect(await refusal(bad)).toBe('<dir>/sentence_bert_config.json: max_seq_length must be a positive integer (got -1)');
    const lower = await model([TRANSFORMER, POOLING], { ...pooling, 'sentence_bert_config.json': { max_seq_length: 128, do_lower_case: true } });
    expect(await refusal(lower)).toBe('<dir>/sentence_bert_config.json: do_lower_case is true; kiln leaves casing to the tokenizer (set it to false if the tokenizer lowercases)');
  });
});
