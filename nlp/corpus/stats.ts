import type { CorpusCounts } from './types';

/** Words as whitespace-separated tokens: cheap, tokenizer-independent, stable across versions. */
export function countWords(sentence: string): number {
  const trimmed = sentence.trim();
  return trimmed === '' ? 0 : trimmed.split(/\s+/u).length;
}

export function emptyCounts(): CorpusCounts {
  return { documents: 0, sentences: 0, words: 0, bytes: 0 };
}

/** `after - before`, field by field: one source's share of a running total. */
export function countsBetween(before: CorpusCounts, after: CorpusCounts): CorpusCounts {
  return {
    documents: after.documents - before.documents,
    sentences: after.sentences - before.sentences,
    words: after.words - before.words,
    bytes: after.bytes - before.bytes,
  };
}
