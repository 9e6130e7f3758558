import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildPretrainingData } from '../../../nlp/pretraining-data/build';
import { PretrainingDataError } from '../../../nlp/pretraining-data/errors';
import { DEFAULT_PRETRAINING_OPTIONS, resolvePretrainingOptions } from '../../../nlp/pretraining-data/options';
import { isValidationDocument } from '../../../nlp/pretraining-data/random';
import { tinyTokenizer } from './helpers';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-ptd-errors-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function buildText(text: string, options = {}): Promise<unknown> {
  const corpusFile = path.join(dir, 'corpus.txt');
  await fs.writeFile(corpusFile, text);
  return buildPretrainingData({ corpusFile, tokenizer: tinyTokenizer(), outDir: path.join(dir, 'out'), options }).then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('pretraining data errors', () => {
  it('names the corpus file when it has no tokens', async () => {
    for (const text of ['', '\n\n   \n\n']) {
      const error = await buildText(text);
      expect(error).toBeInstanceOf(PretrainingDataError);
      expect((error as PretrainingDataError).message).toBe(`${path.join(dir, 'corpus.txt')}: the corpus is empty: no line has any token`);
      expect((error as PretrainingDataError).hint).toContain('one sentence per line, a blank line between documents');
    }
  });

  it('says when every document was held out', async () => {
    // One document and a seed whose coin sends document 0 to validation.
    let seed = 0;
    while (!isValidationDocument(seed, 0, 0.5)) seed++;
    const error = await buildText('the cat sat .\n', { validationFraction: 0.5, seed });
    expect((error as PretrainingDataError).message).toContain('all 1 documents of the corpus were held out for validation');
    expect((error as PretrainingDataError).hint).toContain('lower validation_fraction');
  });

  it('checks option ranges, naming the `with` key', () => {
    expect(resolvePretrainingOptions()).toEqual(DEFAULT_PRETRAINING_OPTIONS);
    expect(() => resolvePretrainingOptions({ maxSeqLength: 8 })).toThrow('max_seq_length must be an integer in [16, 4096] (got 8)');
    expect(() => resolvePretrainingOptions({ maskedLmProb: 1.5 })).toThrow('masked_lm_prob must be a number in [0, 1] (got 1.5)');
    expect(() => resolvePretrainingOptions({ validationFraction: 0.9 })).toThrow('validation_fraction must be a number in [0, 0.5]');
    expect(() => resolvePretrainingOptions({ dupeFactor: 0 })).toThrow('dupe_factor must be an integer >= 1 (got 0)');
    expect(() => resolvePretrainingOptions({ maxSeqLength: 16, maxPredictionsPerSeq: 20 })).toThrow(
      'max_predictions_per_seq 20 exceeds the 13 maskable tokens of max_seq_length 16',
    );
  });

  it('checks options before reading the corpus', async () => {
    const error = await buildText('', { maxSeqLength: 4 });
    expect((error as Error).message).toContain('max_seq_length must be an integer in [16, 4096] (got 4)');
  });
});
