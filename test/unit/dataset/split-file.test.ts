import fs from 'node:fs/promises';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DatasetInputError } from '../../../nlp/dataset/errors';
import { loadLabels, loadSplit, readSplit, writeSplit } from '../../../nlp/dataset/split-file';
import { tempDir } from './helpers';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('split-file');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('split files', () => {
  it('round-trips examples, with text_pair only where there is one', async () => {
    const file = path.join(dir, 'train.jsonl');
    await writeSplit(file, [
      { text: 'a "quoted"\nline', label: 1 },
      { text: 'p', textPair: 'h', label: 0 },
    ]);
    expect(await fs.readFile(file, 'utf8')).toBe('{"text":"a \\"quoted\\"\\nline","label":1}\n{"text":"p","text_pair":"h","label":0}\n');
    expect(await loadSplit(file)).toEqual([
      { text: 'a "quoted"\nline', label: 1 },
      { text: 'p', text_pair: 'h', label: 0 },
    ]);
    const streamed = [];
    for await (const example of readSplit(file)) streamed.push(example.label);
    expect(streamed).toEqual([1, 0]);
  });

  it('refuses a file that is not a split, naming the line', async () => {
    const file = path.join(dir, 'bad.jsonl');
    await fs.writeFile(file, '{"text":"a","label":0}\n{"text":"b","label":"positive"}\n');
    await expect(loadSplit(file)).rejects.toThrow(DatasetInputError);
    await expect(loadSplit(file)).rejects.toThrow(`${file}:2: not a dataset example`);
  });

  it('reads labels.json', async () => {
    const file = path.join(dir, 'labels.json');
    await fs.writeFile(file, JSON.stringify({ names: ['neg', 'pos'], counts: { neg: 1, pos: 2 } }));
    expect(await loadLabels(file)).toEqual({ names: ['neg', 'pos'], counts: { neg: 1, pos: 2 } });
    await fs.writeFile(file, '{"labels": []}');
    await expect(loadLabels(file)).rejects.toThrow('not a labels file');
  });
});
