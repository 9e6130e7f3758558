import { describe, expect, it } from 'vitest';

import { sentimentSentences } from '../../../nlp/dataset/sentiment-sentences';
import { load } from './helpers';

describe('sentiment-sentences', () => {
  it('reads 1,000 labelled sentences per subset, trimmed, without the trailing empty entry', async () => {
    const examples = [];
    for await (const example of sentimentSentences(['yelp'])) examples.push(example);
    expect(examples).toHaveLength(1000);
    expect(examples[0]).toEqual({ text: 'Wow... Loved this place.', label: 'positive', where: 'sentiment/test/fixtures/yelp.json[0]' });
    expect(examples.every((e) => e !== null && e.text === e.text.trim() && e.text !== '')).toBe(true);
  });

  it('loads all three subsets into a two-label dataset, 18 duplicate sentences dropped', async () => {
    const { labels, stats, splits } = await load({ sources: [{ dataset: 'sentiment-sentences', subsets: ['imdb', 'yelp', 'amazon'] }] });
    expect(labels).toEqual({ names: ['negative', 'positive'], counts: { negative: 1492, positive: 1490 } });
    expect(stats).toMatchObject({
      rows: 3000,
      duplicates: 18,
      conflicting_duplicates: 0,
      empty_texts: 0,
      examples: { train: 2386, validation: 298, test: 298 },
      labels: { test: { negative: 149, positive: 149 }, validation: { negative: 149, positive: 149 } },
      warnings: [],
    });
    expect(splits.train.length + splits.validation.length + splits.test.length).toBe(2982);
  });
});
