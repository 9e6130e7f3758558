// The whole corpus as token ids in flat typed arrays: O(tokens) integers, no strings and no per-sentence objects.
// The random-next case needs any other document at any time, so the corpus is read once and kept in this form.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

import type { BertTokenizer } from '../tokenizer/tokenizer';

/** A typed array that doubles when full. */
class Growable<T extends Int32Array | Uint8Array> {
  length = 0;

  constructor(
    private data: T,
    private readonly make: (size: number) => T,
  ) {}

  push(value: number): void {
    if (this.length === this.data.length) this.reserve(this.length + 1);
    this.data[this.length++] = value;
  }

  reserve(min: number): void {
    if (min <= this.data.length) return;
    let size = this.data.length;
    while (size < min) size *= 2;
    const next = this.make(size);
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }

  last(): number {
    return this.data[this.length - 1]!;
  }

  /** The filled part; valid until the next push. */
  view(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

const int32s = (): Growable<Int32Array> => new Growable(new Int32Array(1024), (n) => new Int32Array(n));

/** Documents → sentences → tokens, each level an offset array into the next. */
export interface TokenStore {
  /** Token ids of every sentence, back to back. */
  ids: Int32Array;
  /** 1 where a token starts a word, 0 for the later pieces of a word (whole-word masking keeps them together). */
  wordStart: Uint8Array;
  /** Sentence s is ids[sentenceStart[s] .. sentenceStart[s+1]); length sentences + 1. */
  sentenceStart: Int32Array;
  /** Document d is sentences docStart[d] .. docStart[d+1]; length documents + 1. */
  docStart: Int32Array;
  documents: number;
  sentences: number;
  tokens: number;
}

export interface TokenizeProgress {
  phase: 'tokenize';
  documents: number;
  sentences: number;
  tokens: number;
  bytes: number;
}

/**
 * Reads a corpus in BERT's document format (one sentence per line, blank lines between documents) and tokenises it
 * a line at a time. As in google-research/bert, sentences without tokens and documents without sentences are dropped.
 */
export async function readTokenStore(
  corpusFile: string,
  tokenizer: BertTokenizer,
  onProgress?: (progress: TokenizeProgress) => void | Promise<void>,
): Promise<TokenStore> {
  const ids = int32s();
  const wordStart = new Growable(new Uint8Array(1024), (n) => new Uint8Array(n));
  const sentenceStart = int32s();
  const docStart = int32s();
  sentenceStart.push(0);
  docStart.push(0);
  let sentences = 0;
  const stream = createReadStream(corpusFile, { encoding: 'utf8' });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  const endDocument = async (): Promise<void> => {
    if (docStart.last() === sentences) return; // nothing since the last end
    docStart.push(sentences);
    await onProgress?.({ phase: 'tokenize', documents: docStart.length - 1, sentences, tokens: ids.length, bytes: stream.bytesRead });
  };
  for await (const raw of lines) {
    const line = raw.trim();
    if (line === '') {
      await endDocument();
      continue;
    }
    const pieces = tokenizer.tokenizeWithWords(line);
    if (pieces.ids.length === 0) continue;
    for (let i = 0; i < pieces.ids.length; i++) {
      ids.push(pieces.ids[i]!);
      wordStart.push(i === 0 || pieces.wordIds[i] !== pieces.wordIds[i - 1] ? 1 : 0);
    }
    sentences++;
    sentenceStart.push(ids.length);
  }
  await endDocument();
  return {
    ids: ids.view(),
    wordStart: wordStart.view(),
    sentenceStart: sentenceStart.view(),
    docStart: docStart.view(),
    documents: docStart.length - 1,
    sentences,
    tokens: ids.length,
  };
}
