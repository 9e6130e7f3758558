import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { resolveStepInputs, stepDefaults } from '../../../compiler/step-inputs';
import type { Json } from '../../../contract/json';
import { buildPretrainingData, type PretrainingOptions } from '../../../nlp/pretraining-data/build';
import { PretrainingDataError } from '../../../nlp/pretraining-data/errors';
import { isValidationDocument } from '../../../nlp/pretraining-data/random';
import { tinyTokenizer } from './helpers';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-ptd-errors-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function buildText(text: string, overrides: Partial<PretrainingOptions> = {}): Promise<unknown> {
  const options = { ...stepDefaults('bert/pretraining-data@v1'), ...overrides };
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
    const error = await buildText('the cat sat .\n', { validation_fraction: 0.5, seed });
    expect((error as PretrainingDataError).message).toContain('all 1 documents of the corpus were held out for validation');
    expect((error as PretrainingDataError).hint).toContain('lower validation_fraction');
  });

  it('leaves option ranges to the schema and its rules, which name the `with` key (at compile time and at the activity edge)', () => {
    const ref = (kind: string) => ({ uri: `kiln://sha256/${'a'.repeat(64)}`, kind, digest: `sha256:${'a'.repeat(64)}`, bytes: 1, meta: {} });
    const problems = (raw: { [key: string]: Json }): string[] => {
      const result = resolveStepInputs('bert/pretraining-data@v1', { corpus: ref('corpus'), tokenizer: ref('tokenizer'), ...raw });
      return 'problems' in result ? result.problems.map((p) => `${p.path}: ${p.message}`) : [];
    };
    expect(stepDefaults('bert/pretraining-data@v1')).toEqual({
      max_seq_length: 128,
      short_seq_prob: 0.1,
      masked_lm_prob: 0.15,
      max_predictions_per_seq: 20,
      dupe_factor: 5,
      whole_word_mask: false,
      validation_fraction: 0.05,
      seed: 12345,
      shard_size: 4096,
    });
    expect(problems({ max_seq_length: 8 })).toEqual(['with.max_seq_length: must be >= 16 (got 8)']);
    expect(problems({ masked_lm_prob: 1.5 })).toEqual(['with.masked_lm_prob: must be <= 1 (got 1.5)']);
    expect(problems({ validation_fraction: 0.9 })).toEqual(['with.validation_fraction: must be <= 0.5 (got 0.9)']);
    expect(problems({ dupe_factor: 0 })).toEqual(['with.dupe_factor: must be >= 1 (got 0)']);
    expect(problems({ max_seq_length: 16 })).toEqual(['with.max_predictions_per_seq: must be at most max_seq_length - 3 = 13 (got 20)']);
    expect(problems({ max_seq_length: 16, max_predictions_per_seq: 13 })).toEqual([]);
  });
});
