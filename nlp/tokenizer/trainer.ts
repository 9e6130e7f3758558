// The WordPiece vocab trainer: special tokens, then the alphabet, then merged pieces, up to vocab_size.
import { countCorpusWords, type CountProgress, type WordCounts } from './corpus-words';
import { learnMerges, type MergeScoring } from './merges';
import { normalize, resolveNormalizerOptions } from './normalizer';
import { preTokenize } from './pre-tokenizer';
import { BertTokenizer, type TokenizerOptions } from './tokenizer';
import { SPECIAL_TOKENS, Vocab } from './vocab';

export interface TrainerOptions {
  /** The most tokens the vocab may have; fewer when the corpus runs out of pairs seen min_frequency times. */
  vocabSize: number;
  /** Characters and pairs seen fewer times are left out (default 2). */
  minFrequency?: number;
  /** Default [PAD] [UNK] [CLS] [SEP] [MASK]. */
  specialTokens?: readonly string[];
  /**
   * Default frequency. The likelihood score merges rare pairs first and leaves common words in pieces: on the
   * State of the Union corpus with 8,000 tokens it needs 3.0 pieces a word, frequency 1.08.
   */
  scoring?: MergeScoring;
  /** Longer words become [UNK] when tokenising, so they are left out (default 100). */
  maxInputCharsPerWord?: number;
  onProgress?: (progress: TrainProgress) => void | Promise<void>;
}

export type TrainProgress =
  | ({ phase: 'count' } & CountProgress)
  | { phase: 'merge'; merges: number; vocabSize: number };

const PREFIX = '##';

function byCodePoint(a: string, b: string): number {
  return a.codePointAt(0)! - b.codePointAt(0)!;
}

/**
 * The characters the vocab starts with, sorted by code point: those seen at least `minFrequency` times; when
 * they do not all fit (each takes two tokens, `c` and `##c`), the most frequent of them.
 */
export function chooseAlphabet(charFreq: Map<string, number>, minFrequency: number, room: number): string[] {
  const frequent = [...charFreq].filter(([, n]) => n >= minFrequency);
  frequent.sort(([a, n], [b, m]) => m - n || byCodePoint(a, b));
  return frequent
    .slice(0, Math.floor(room / 2))
    .map(([c]) => c)
    .sort(byCodePoint);
}

/**
 * Vocab tokens from word counts. Layout: special tokens; the alphabet as word starts (`c`), then as continuations
 * (`##c`), so every word made of alphabet characters can be tokenised without [UNK]; then merged pieces in the
 * order they were learnt. Deterministic: the same counts give the same vocab.
 */
export async function trainVocabTokens(counts: Map<string, number>, options: TrainerOptions): Promise<string[]> {
  const specials = [...(options.specialTokens ?? SPECIAL_TOKENS)];
  const minFrequency = options.minFrequency ?? 2;
  const maxChars = options.maxInputCharsPerWord ?? 100;
  if (options.vocabSize < specials.length + 2) {
    throw new RangeError(
      `vocab_size ${options.vocabSize} leaves no room for an alphabet after ${specials.length} special tokens`,
    );
  }
  const entries: Array<[string[], number]> = [];
  const charFreq = new Map<string, number>();
  for (const [word, count] of counts) {
    const chars = Array.from(word);
    if (chars.length > maxChars) continue;
    entries.push([chars, count]);
    for (const c of chars) charFreq.set(c, (charFreq.get(c) ?? 0) + count);
  }
  const alphabet = chooseAlphabet(charFreq, minFrequency, options.vocabSize - specials.length);
  const tokens = [...specials, ...alphabet, ...alphabet.map((c) => PREFIX + c)];
  const index = new Map(tokens.map((token, id) => [token, id]));

  // Words as symbol ids; a word with a character outside the alphabet can only become [UNK], so it is left out.
  const words: number[][] = [];
  const wordCounts: number[] = [];
  for (const [chars, count] of entries) {
    const symbols = chars.map((c, i) => index.get(i === 0 ? c : PREFIX + c));
    if (symbols.some((s) => s === undefined)) continue;
    words.push(symbols as number[]);
    wordCounts.push(count);
  }
  await learnMerges(tokens, words, wordCounts, {
    vocabSize: options.vocabSize,
    minFrequency,
    scoring: options.scoring ?? 'frequency',
    continuingSubwordPrefix: PREFIX,
    onProgress: options.onProgress && ((p) => options.onProgress!({ phase: 'merge', ...p })),
  });
  return tokens;
}

export interface TrainedTokenizer {
  tokenizer: BertTokenizer;
  /** The corpus's words as the tokenizer's normaliser and pre-tokeniser see them. */
  words: WordCounts;
}

/** Counts the words of a corpus file (one text per line) and trains a vocab on them. */
export async function trainTokenizer(
  corpusFile: string,
  tokenizerOptions: TokenizerOptions,
  trainerOptions: TrainerOptions,
): Promise<TrainedTokenizer> {
  const normalizer = resolveNormalizerOptions(tokenizerOptions);
  const onProgress = trainerOptions.onProgress;
  const words = await countCorpusWords(
    corpusFile,
    (line) => preTokenize(normalize(line, normalizer)),
    onProgress && ((p) => onProgress({ phase: 'count', ...p })),
  );
  const tokens = await trainVocabTokens(words.counts, trainerOptions);
  return { tokenizer: new BertTokenizer(Vocab.fromTokens(tokens), tokenizerOptions), words };
}
