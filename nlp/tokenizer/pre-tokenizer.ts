// Stage 2: BERT's pre-tokeniser: split on whitespace, then make every punctuation character a word of its own.
import { PUNCTUATION_CLASS } from './unicode-tables';

// A punctuation character, or a run of characters that are neither punctuation nor whitespace.
const WORD = new RegExp(`[${PUNCTUATION_CLASS}]|[^${PUNCTUATION_CLASS}\\p{White_Space}]+`, 'gu');

/** The words of normalised text, in order. */
export function preTokenize(text: string): string[] {
  return text.match(WORD) ?? [];
}
