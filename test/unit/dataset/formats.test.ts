import fs from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { inferFormat } from '../../../nlp/dataset/rows';
import { load, tempDir } from './helpers';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('formats');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const texts = (examples: Array<{ text: string }>): string[] => examples.map((e) => e.text).sort();

describe('loadDataset: csv', () => {
  it('reads quoted fields, drops empty texts and duplicates, and counts them', async () => {
    const { labels, labelFile, stats, splits } = await load({ sources: [{ file: 'reviews.csv' }] });
    expect(labels).toEqual({ names: ['negative', 'positive'], counts: { negative: 3, positive: 3 } });
    expect(labelFile).toEqual(labels);
    expect(stats).toMatchObject({
      rows: 9,
      empty_texts: 1,
      duplicates: 2,
      conflicting_duplicates: 1,
      num_labels: 2,
      // Three examples a label: one each for test and validation, the third for train.
      examples: { train: 2, validation: 2, test: 2 },
      labels: { train: { negative: 1, positive: 1 }, validation: { negative: 1, positive: 1 }, test: { negative: 1, positive: 1 } },
      sources: [{ source: 'file:reviews.csv', rows: 9 }],
    });
    expect(stats.sources[0]!.sha256).toMatch(/^[0-9a-f]{64}$/u);
    expect(stats.warnings).toEqual([
      '1 duplicate text(s) have another label than their first occurrence, whose label was kept: reviews.csv:9 says "positive", reviews.csv:3 said "negative"',
    ]);
    const all = [...splits.train, ...splits.validation, ...splits.test];
    expect(texts(all)).toEqual(['A great film, truly.', 'Hated it', 'Line one\nline two', 'Loved it', 'She said "wow" twice', 'Terrible acting.']);
    expect(all.find((e) => e.text === 'Terrible acting.')).toEqual({ text: 'Terrible acting.', label: 0 });
  });

  it('reads CRLF line endings, a BOM and gzip', async () => {
    const csv = '\uFEFFtext,label\r\n"one, two",a\r\nthree,b\r\n"four\r\nfive",a\r\n';
    await fs.writeFile(path.join(dir, 'crlf.csv.gz'), gzipSync(Buffer.from(csv, 'utf8')));
    const { splits, labels } = await load({ sources: [{ file: 'crlf.csv.gz' }], split: { validation: 0, test: 0, seed: 1 } }, dir);
    expect(labels.names).toEqual(['a', 'b']);
    expect(splits.train).toHaveLength(3);
    expect(texts(splits.train)).toEqual(['four\r\nfive', 'one, two', 'three']);
  });
});

describe('loadDataset: tsv sentence pairs', () => {
  it('reads text pairs, counts an empty second text, and warns about labels too small to split', async () => {
    const fields = { text: 'premise', textPair: 'hypothesis', label: 'label' };
    const { labels, stats, splits } = await load({ sources: [{ file: 'pairs.tsv' }], fields });
    expect(labels).toEqual({ names: ['contradiction', 'entailment', 'neutral'], counts: { contradiction: 1, entailment: 2, neutral: 1 } });
    expect(stats).toMatchObject({ rows: 5, empty_texts: 1, duplicates: 0, examples: { train: 3, validation: 1, test: 0 } });
    expect(stats.warnings).toEqual([
      'label "contradiction" has only 1 example(s): the validation split has none of it',
      'label "contradiction" has only 1 example(s): the test split has none of it',
      'label "entailment" has only 2 example(s): the test split has none of it',
      'label "neutral" has only 1 example(s): the validation split has none of it',
      'label "neutral" has only 1 example(s): the test split has none of it',
    ]);
    // Same premise, different hypotheses: not duplicates.
    expect(splits.train.concat(splits.validation).filter((e) => e.text === 'A man sleeps.')).toHaveLength(2);
    expect(splits.train.find((e) => e.label === 0)).toEqual({ text: 'A man sleeps.', text_pair: 'A man runs.', label: 0 });
  });
});

describe('loadDataset: jsonl', () => {
  it('reads one object per line and orders integer labels numerically', async () => {
    const { labels, stats, splits } = await load({ sources: [{ file: 'reviews.jsonl' }], split: { validation: 0, test: 0, seed: 13 } });
    expect(labels.names).toEqual(['0', '1', '2', '10']);
    expect(stats).toMatchObject({ rows: 5, empty_texts: 1, examples: { train: 4, validation: 0, test: 0 }, warnings: [] });
    expect(splits.train.find((e) => e.text === 'brilliant')).toEqual({ text: 'brilliant', label: 3 });
    expect(splits.train.find((e) => e.text === 'good')).toEqual({ text: 'good', label: 1 });
  });

  it('takes string and number labels by their string form, and sorts names by code unit', async () => {
    await fs.writeFile(path.join(dir, 'mixed.jsonl'), '{"text":"a","label":"b"}\n{"text":"b","label":"B"}\n{"text":"c","label":1}\n{"text":"d","label":"1"}\n');
    const { labels } = await load({ sources: [{ file: 'mixed.jsonl' }], split: { validation: 0, test: 0, seed: 1 } }, dir);
    expect(labels).toEqual({ names: ['1', 'B', 'b'], counts: { '1': 2, B: 1, b: 1 } });
  });

  it('concatenates sources of different formats before splitting', async () => {
    const { stats } = await load({ sources: [{ file: 'reviews.csv' }, { file: 'reviews.jsonl' }], split: { validation: 0, test: 0, seed: 1 } });
    expect(stats.num_labels).toBe(6);
    expect(stats.sources.map((s) => [s.source, s.rows])).toEqual([
      ['file:reviews.csv', 9],
      ['file:reviews.jsonl', 5],
    ]);
  });
});

describe('inferFormat', () => {
  it('reads the extension, past .gz and url query strings', () => {
    expect(inferFormat('a/b.csv')).toBe('csv');
    expect(inferFormat('b.TSV.gz')).toBe('tsv');
    expect(inferFormat('https://x.org/data/train.jsonl?raw=1')).toBe('jsonl');
    expect(inferFormat('x.ndjson')).toBe('jsonl');
    expect(inferFormat('x.json')).toBeUndefined();
    expect(inferFormat('README')).toBeUndefined();
  });
});
