import fs from 'node:fs/promises';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadError, tempDir } from './helpers';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('errors');
  const files: Record<string, string> = {
    'one-class.csv': 'text,label\ngood,positive\nfine,positive\n,negative\n',
    'no-label.csv': 'text,label\ngood,positive\nbad,\nfine,positive\n',
    'ragged.csv': 'text,label\ngood,positive\nbad, awful,negative\n',
    'semicolons.csv': 'text;label\ngood;positive\n',
    'tabs.csv': 'text\tlabel\ngood\tpositive\n',
    'bad.jsonl': '{"text":"a","label":0}\n{"text":"b", label: 1}\n',
    'array.jsonl': '{"text":"a","label":0}\n["b", 1]\n',
    'number-text.jsonl': '{"text":"a","label":0}\n{"text":7,"label":1}\n',
    'object-label.jsonl': '{"text":"a","label":0}\n{"text":"b","label":{"id":1}}\n',
    'empty.jsonl': '\n\n',
    'header-only.csv': 'text,label\n',
    'all-empty.csv': 'text,label\n,a\n  ,b\n',
    'data.txt': 'text,label\na,b\n',
  };
  for (const [name, text] of Object.entries(files)) await fs.writeFile(path.join(dir, name), text);
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('loadDataset: bad input', () => {
  it('names the columns found when text_field does not exist, with the closest one', async () => {
    const error = await loadError({ sources: [{ file: 'reviews.csv' }], fields: { text: 'txt', label: 'label' } });
    expect(error.message).toBe('column "txt" not found in reviews.csv; columns: id, text, label');
    expect(error.hint).toBe('did you mean "text"? set text_field to one of the columns');
  });

  it('names the jsonl keys found when label_field does not exist', async () => {
    const error = await loadError({ sources: [{ file: 'reviews.jsonl' }], fields: { text: 'text', label: 'sentiment' } });
    expect(error.message).toBe('field "sentiment" not found in reviews.jsonl:1; fields: text, label');
    expect(error.hint).toBe('set label_field to one of the fields');
  });

  it('checks text_pair_field too', async () => {
    const error = await loadError({ sources: [{ file: 'pairs.tsv' }], fields: { text: 'premise', textPair: 'hypotesis', label: 'label' } });
    expect(error.message).toBe('column "hypotesis" not found in pairs.tsv; columns: premise, hypothesis, label');
    expect(error.hint).toBe('did you mean "hypothesis"? set text_pair_field to one of the columns');
  });

  it('suspects the format when the header is one column holding the other delimiter', async () => {
    expect((await loadError({ sources: [{ file: 'tabs.csv' }] }, dir)).hint).toContain('the header has tabs: is this tsv? set format: tsv');
    const semicolons = await loadError({ sources: [{ file: 'semicolons.csv' }] }, dir);
    expect(semicolons.message).toBe('column "text" not found in semicolons.csv; columns: text;label');
  });

  it('refuses a dataset of one class', async () => {
    const error = await loadError({ sources: [{ file: 'one-class.csv' }] }, dir);
    expect(error.message).toBe('only one label in the data: "positive" (2 examples); a classifier needs at least two');
    expect(error.hint).toContain('label_field ("label")');
  });

  it('refuses a missing label, naming the line', async () => {
    const error = await loadError({ sources: [{ file: 'no-label.csv' }] }, dir);
    expect(error.message).toBe('no-label.csv:3: the label is missing (label_field "label" is empty)');
  });

  it('refuses rows with the wrong number of fields', async () => {
    const error = await loadError({ sources: [{ file: 'ragged.csv' }] }, dir);
    expect(error.message).toBe('ragged.csv:3: 3 fields, but the header has 2 (text, label)');
    expect(error.hint).toContain('must be quoted');
  });

  it('refuses jsonl lines that are not JSON objects, naming file and line', async () => {
    expect((await loadError({ sources: [{ file: 'bad.jsonl' }] }, dir)).message).toMatch(/^bad\.jsonl:2: not valid JSON \(/u);
    expect((await loadError({ sources: [{ file: 'array.jsonl' }] }, dir)).message).toBe('array.jsonl:2: expected a JSON object, got an array');
    expect((await loadError({ sources: [{ file: 'number-text.jsonl' }] }, dir)).message).toBe(
      'number-text.jsonl:2: text_field "text" must be a string (got 7)',
    );
    expect((await loadError({ sources: [{ file: 'object-label.jsonl' }] }, dir)).message).toBe(
      'object-label.jsonl:2: label_field "label" must be a string or a number (got {"id":1})',
    );
  });

  it('refuses files without rows or without any text', async () => {
    expect((await loadError({ sources: [{ file: 'empty.jsonl' }] }, dir)).message).toBe('empty.jsonl has no rows');
    expect((await loadError({ sources: [{ file: 'header-only.csv' }] }, dir)).message).toBe('header-only.csv has no rows');
    const allEmpty = await loadError({ sources: [{ file: 'all-empty.csv' }] }, dir);
    expect(allEmpty.message).toBe('no examples: all 2 rows have an empty text');
  });

  it('asks for a format it cannot infer', async () => {
    const error = await loadError({ sources: [{ file: 'data.txt' }] }, dir);
    expect(error.message).toBe('cannot tell the format of data.txt from its name');
    expect(error.hint).toBe('set format: csv, tsv or jsonl');
  });

  it('refuses text_pair_field with the built-in single-sentence dataset', async () => {
    const error = await loadError({
      sources: [{ dataset: 'sentiment-sentences', subsets: ['yelp'] }],
      fields: { text: 'text', textPair: 'other', label: 'label' },
    });
    expect(error.message).toBe('text_pair_field is set, but dataset sentiment-sentences has single sentences, not pairs');
  });
});
