import { describe, expect, it } from 'vitest';

import { DatasetInputError } from '../../../nlp/dataset/errors';
import { parseDatasetInputs } from '../../../nlp/dataset/inputs';

describe('parseDatasetInputs', () => {
  it('applies defaults', () => {
    expect(parseDatasetInputs({ sources: [{ dataset: 'sentiment-sentences' }, { file: 'a.csv' }] })).toEqual({
      sources: [{ dataset: 'sentiment-sentences', subsets: ['imdb', 'yelp', 'amazon'] }, { file: 'a.csv' }],
      fields: { text: 'text', label: 'label' },
      split: { validation: 0.1, test: 0.1, seed: 13 },
    });
  });

  it('takes every option', () => {
    const sha256 = 'a'.repeat(64);
    const parsed = parseDatasetInputs({
      sources: [{ url: 'https://x.org/d.tsv', sha256 }],
      format: 'tsv',
      text_field: 'premise',
      text_pair_field: 'hypothesis',
      label_field: 'gold',
      split: { validation: 0.2, test: 0, seed: 5 },
    });
    expect(parsed).toEqual({
      sources: [{ url: 'https://x.org/d.tsv', sha256 }],
      format: 'tsv',
      fields: { text: 'premise', textPair: 'hypothesis', label: 'gold' },
      split: { validation: 0.2, test: 0, seed: 5 },
    });
  });

  it('says where the input is wrong', () => {
    const cases: Array<[unknown, string]> = [
      [{ sources: [] }, 'with.sources: must be a non-empty list'],
      [{ sources: [{ dataset: 'imdb' }] }, 'with.sources[0].dataset: unknown dataset "imdb"'],
      [{ sources: [{ dataset: 'sentiment-sentences', subsets: ['imdb', 'imdb'] }] }, 'with.sources[0].subsets: must be a non-empty list of distinct subsets'],
      [{ sources: [{ dataset: 'sentiment-sentences', subsets: ['twitter'] }] }, 'with.sources[0].subsets: must be a non-empty list'],
      [{ sources: [{ file: 'a.csv', format: 'csv' }] }, 'with.sources[0]: unknown key format for a file source'],
      [{ sources: [{ url: 'ftp://x/a.csv' }] }, 'with.sources[0].url: ftp://x/a.csv is not an http(s) url'],
      [{ sources: [{ file: 'a.csv' }], format: 'xlsx' }, 'with.format: must be one of csv, tsv, jsonl'],
      [{ sources: [{ file: 'a.csv' }], text_field: '' }, 'with.text_field: must be a non-empty string'],
      [{ sources: [{ file: 'a.csv' }], split: { validation: 1 } }, 'with.split.validation: must be a fraction >= 0 and < 1 (got 1)'],
      [{ sources: [{ file: 'a.csv' }], split: { validation: 0.5, test: 0.5 } }, 'with.split: validation + test must be < 1'],
      [{ sources: [{ file: 'a.csv' }], split: { seed: 1.5 } }, 'with.split.seed: must be an integer (got 1.5)'],
      [{ sources: [{ file: 'a.csv' }], split: { train: 0.8 } }, 'with.split: unknown key train'],
    ];
    for (const [inputs, message] of cases) {
      expect(() => parseDatasetInputs(inputs as never)).toThrow(DatasetInputError);
      expect(() => parseDatasetInputs(inputs as never)).toThrow(message);
    }
  });
});
