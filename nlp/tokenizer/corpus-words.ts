// Word counts of a corpus file, read line by line so a corpus of any size streams through.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

import type { WordPiece } from './wordpiece';

export interface WordCounts {
  /** Distinct normalised, pre-tokenised words and how often each occurs, in first-seen order. */
  counts: Map<string, number>;
  /** Word occurrences in all. */
  total: number;
  lines: number;
}

export interface CountProgress {
  lines: number;
  bytes: number;
}

/** `onProgress` is called at the start and every `progressEvery` lines, and awaited (an activity heartbeats there). */
export async function countCorpusWords(
  file: string,
  words: (line: string) => string[],
  onProgress?: (progress: CountProgress) => void | Promise<void>,
  progressEvery = 10_000,
): Promise<WordCounts> {
  const counts = new Map<string, number>();
  let total = 0;
  let lines = 0;
  const stream = createReadStream(file, { encoding: 'utf8' });
  const reader = createInterface({ input: stream, crlfDelay: Infinity });
  await onProgress?.({ lines: 0, bytes: 0 });
  for await (const line of reader) {
    lines++;
    for (const word of words(line)) {
      counts.set(word, (counts.get(word) ?? 0) + 1);
      total++;
    }
    if (onProgress && lines % progressEvery === 0) await onProgress({ lines, bytes: stream.bytesRead });
  }
  return { counts, total, lines };
}

export interface UnkStats {
  /** Word pieces the words become. */
  tokens: number;
  unknown: number;
  /** unknown / tokens, 0 for no tokens. */
  unkRate: number;
}

/** How many of the pieces the counted words become are the unknown token. */
export function unknownRate(wordPiece: WordPiece, counts: Map<string, number>): UnkStats {
  let tokens = 0;
  let unknown = 0;
  for (const [word, count] of counts) {
    const ids = wordPiece.tokenizeWord(word);
    tokens += ids.length * count;
    for (const id of ids) if (id === wordPiece.unkId) unknown += count;
  }
  return { tokens, unknown, unkRate: tokens === 0 ? 0 : unknown / tokens };
}
