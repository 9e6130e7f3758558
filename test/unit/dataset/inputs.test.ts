// dataset/load@v1's `with` at the activity edge: its schema is the only definition (defaults, checks, rules, messages).
import { describe, expect, it } from 'vitest';

import { resolveStepInputs } from '../../../compiler/step-inputs';
import type { Json } from '../../../contract/json';

function problems(raw: { [key: string]: Json }): string[] {
  const result = resolveStepInputs('dataset/load@v1', raw);
  return 'problems' in result ? result.problems.map((p) => `${p.path}: ${p.message}`) : [];
}

describe('dataset/load@v1 inputs', () => {
  it('applies defaults', () => {
    expect(resolveStepInputs('dataset/load@v1', { sources: [{ dataset: 'sentiment-sentences' }, { file: 'a.csv' }] })).toEqual({
      inputs: {
        sources: [{ dataset: 'sentiment-sentences', subsets: ['imdb', 'yelp', 'amazon'] }, { file: 'a.csv' }],
        text_field: 'text',
        label_field: 'label',
        split: { validation: 0.1, test: 0.1, seed: 13 },
      },
    });
  });

  it('takes every option', () => {
    const sha256 = 'a'.repeat(64);
    const raw = {
      sources: [{ url: 'https://x.org/d.tsv', sha256 }],
      format: 'tsv',
      text_field: 'premise',
      text_pair_field: 'hypothesis',
      label_field: 'gold',
      split: { validation: 0.2, test: 0, seed: 5 },
    };
    expect(resolveStepInputs('dataset/load@v1', raw)).toEqual({ inputs: raw });
  });

  it('says where the input is wrong', () => {
    const cases: Array<[{ [key: string]: Json }, string]> = [
      [{ sources: [] }, 'with.sources: must not be empty'],
      [{ sources: [{ dataset: 'imdb' }] }, 'with.sources[0].dataset: must be one of: sentiment-sentences (got "imdb")'],
      [{ sources: [{ dataset: 'sentiment-sentences', subsets: ['imdb', 'imdb'] }] }, 'with.sources[0].subsets: must not contain duplicates (items 0 and 1 are equal)'],
      [{ sources: [{ dataset: 'sentiment-sentences', subsets: ['twitter'] }] }, 'with.sources[0].subsets[0]: must be one of: imdb, yelp, amazon (got "twitter")'],
      [{ sources: [{ file: 'a.csv', format: 'csv' }] }, 'with.sources[0].format: unknown key "format"'],
      [{ sources: [{ url: 'ftp://x/a.csv' }] }, 'with.sources[0].url: must match the pattern ^https?:// (got "ftp://x/a.csv")'],
      [{ sources: [{ file: 'a.csv' }], format: 'xlsx' }, 'with.format: must be one of: csv, tsv, jsonl (got "xlsx")'],
      [{ sources: [{ file: 'a.csv' }], text_field: '' }, 'with.text_field: must not be empty'],
      [{ sources: [{ file: 'a.csv' }], split: { validation: 1 } }, 'with.split.validation: must be < 1 (got 1)'],
      [{ sources: [{ file: 'a.csv' }], split: { validation: 0.5, test: 0.5 } }, 'with.split: validation + test must be below 1 (got 0.5 + 0.5 = 1)'],
      [{ sources: [{ file: 'a.csv' }], split: { seed: 1.5 } }, 'with.split.seed: must be an integer (got 1.5)'],
      [{ sources: [{ file: 'a.csv' }], split: { train: 0.8 } }, 'with.split.train: unknown key "train"'],
    ];
    for (const [raw, message] of cases) expect(problems(raw), JSON.stringify(raw)).toEqual([message]);
  });
});
