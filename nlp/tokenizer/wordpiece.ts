// Stage 3: WordPiece: each word becomes the longest vocab prefix, then `##`-prefixed longest matches of the rest.
import type { Vocab } from './vocab';

export interface WordPieceOptions {
  unkToken: string;
  continuingSubwordPrefix: string;
  /** Longer words (in code points) become the unknown token without trying. */
  maxInputCharsPerWord: number;
}

export const DEFAULT_WORDPIECE_OPTIONS: WordPieceOptions = {
  unkToken: '[UNK]',
  continuingSubwordPrefix: '##',
  maxInputCharsPerWord: 100,
};

// Words repeat a lot in text; past this many distinct ones the cache starts over to bound memory.
const CACHE_LIMIT = 200_000;
const HAS_SURROGATE = /[\uD800-\uDFFF]/;
const SURROGATE_PAIR = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;

export class WordPiece {
  readonly unkId: number;
  private readonly cache = new Map<string, readonly number[]>();

  constructor(
    private readonly vocab: Vocab,
    readonly options: WordPieceOptions = DEFAULT_WORDPIECE_OPTIONS,
  ) {
    this.unkId = vocab.id(options.unkToken);
  }

  /** Ids of one word's pieces: all of them, or just the unknown token when some part matches nothing. */
  tokenizeWord(word: string): readonly number[] {
    let ids = this.cache.get(word);
    if (ids === undefined) {
      ids = this.pieces(word);
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(word, ids);
    }
    return ids;
  }

  private pieces(word: string): number[] {
    const surrogates = HAS_SURROGATE.test(word);
    const chars = surrogates ? countCodePoints(word) : word.length;
    if (chars > this.options.maxInputCharsPerWord) return [this.unkId];
    const prefix = this.options.continuingSubwordPrefix;
    const ids: number[] = [];
    let start = 0;
    while (start < word.length) {
      let end = word.length;
      let id: number | undefined;
      while (start < end) {
        const piece = word.slice(start, end);
        id = this.vocab.get(start > 0 ? prefix + piece : piece);
        if (id !== undefined) break;
        // Shorten by one code point, never splitting a surrogate pair.
        end -= surrogates && end - start >= 2 && isSurrogatePair(word, end - 2) ? 2 : 1;
      }
      if (id === undefined) return [this.unkId];
      ids.push(id);
      start = end;
    }
    return ids;
  }
}

function isSurrogatePair(text: string, at: number): boolean {
  const high = text.charCodeAt(at);
  const low = text.charCodeAt(at + 1);
  return high >= 0xd800 && high <= 0xdbff && low >= 0xdc00 && low <= 0xdfff;
}

function countCodePoints(text: string): number {
  return text.length - (text.match(SURROGATE_PAIR)?.length ?? 0);
}
