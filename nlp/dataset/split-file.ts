// The files of a loaded dataset: one jsonl file per split, and labels.json. Fine-tuning reads them back here.
import fs from 'node:fs/promises';

import { readLines } from '../corpus/text-input';
import { DatasetInputError } from './errors';
import type { Example, LabelSet, SplitExample } from './types';

/** Writes `examples` as jsonl, one `{"text", "text_pair"?, "label"}` object per line, in the given order. */
export async function writeSplit(file: string, examples: readonly Example[]): Promise<void> {
  const handle = await fs.open(file, 'w');
  try {
    const BATCH = 1_000;
    for (let i = 0; i < examples.length; i += BATCH) {
      const lines = examples.slice(i, i + BATCH).map((example) => JSON.stringify(toSplitExample(example)) + '\n');
      await handle.write(lines.join(''));
    }
  } finally {
    await handle.close();
  }
}

export function toSplitExample(example: Example): SplitExample {
  return example.textPair === undefined
    ? { text: example.text, label: example.label }
    : { text: example.text, text_pair: example.textPair, label: example.label };
}

export async function writeLabels(file: string, labels: LabelSet): Promise<void> {
  await fs.writeFile(file, JSON.stringify(labels, null, 2) + '\n');
}

/** The examples of a split file, one at a time. A line that is not an example is an error naming it. */
export async function* readSplit(file: string): AsyncGenerator<SplitExample> {
  let line = 0;
  for await (const text of readLines(file)) {
    line += 1;
    if (text === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    if (!isSplitExample(value)) {
      throw new DatasetInputError(
        `${file}:${line}: not a dataset example (expected {"text": string, "text_pair"?: string, "label": integer})`,
        'split files are written by dataset/load@v1: pass its train, validation or test output',
      );
    }
    yield value;
  }
}

/** A whole split in memory: splits are small enough (sentences, not corpora). */
export async function loadSplit(file: string): Promise<SplitExample[]> {
  const examples: SplitExample[] = [];
  for await (const example of readSplit(file)) examples.push(example);
  return examples;
}

export async function loadLabels(file: string): Promise<LabelSet> {
  const value = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<LabelSet>;
  if (!Array.isArray(value.names) || !value.names.every((name) => typeof name === 'string') || typeof value.counts !== 'object') {
    throw new DatasetInputError(`${file}: not a labels file (expected {"names": [...], "counts": {...}})`);
  }
  return { names: value.names, counts: value.counts ?? {} };
}

function isSplitExample(value: unknown): value is SplitExample {
  if (typeof value !== 'object' || value === null) return false;
  const { text, text_pair: pair, label } = value as { [key: string]: unknown };
  return typeof text === 'string' && (pair === undefined || typeof pair === 'string') && Number.isInteger(label) && (label as number) >= 0;
}
