// The four stages composed: normaliser → pre-tokeniser → WordPiece → post-processor.
import fs from 'node:fs/promises';
import path from 'node:path';

import { parseTokenizerConfig, type TokenizerConfig } from './config';
import { TokenizerFileError } from './errors';
import { normalize, resolveNormalizerOptions, type NormalizerOptions } from './normalizer';
import { PostProcessor, type Encoding } from './post-processor';
import { preTokenize } from './pre-tokenizer';
import { DEFAULT_WORDPIECE_OPTIONS, WordPiece } from './wordpiece';
import { loadVocab, saveVocab, SPECIAL_TOKENS, type Vocab } from './vocab';

export interface TokenizerOptions {
  lowercase?: boolean;
  /** null or absent: same as `lowercase`. */
  stripAccents?: boolean | null;
  handleChineseChars?: boolean;
  cleanText?: boolean;
  maxInputCharsPerWord?: number;
}

/** Word pieces of a text without special tokens, each with the index of the pre-tokenised word it came from. */
export interface WordPieces {
  ids: number[];
  tokens: string[];
  /** wordIds[i]: which word (0, 1, ...) piece i belongs to; whole-word masking masks all pieces of a word. */
  wordIds: number[];
}

export interface SpecialIds {
  pad: number;
  unk: number;
  cls: number;
  sep: number;
  mask: number;
}

export class BertTokenizer {
  readonly normalizer: NormalizerOptions;
  readonly wordPiece: WordPiece;
  readonly specialIds: SpecialIds;
  private readonly post: PostProcessor;

  constructor(
    readonly vocab: Vocab,
    options: TokenizerOptions = {},
  ) {
    this.normalizer = resolveNormalizerOptions(options);
    this.wordPiece = new WordPiece(vocab, {
      ...DEFAULT_WORDPIECE_OPTIONS,
      maxInputCharsPerWord: options.maxInputCharsPerWord ?? DEFAULT_WORDPIECE_OPTIONS.maxInputCharsPerWord,
    });
    this.specialIds = {
      pad: vocab.id('[PAD]'),
      unk: vocab.id('[UNK]'),
      cls: vocab.id('[CLS]'),
      sep: vocab.id('[SEP]'),
      mask: vocab.id('[MASK]'),
    };
    this.post = new PostProcessor(
      { id: this.specialIds.cls, token: '[CLS]' },
      { id: this.specialIds.sep, token: '[SEP]' },
    );
  }

  /** Normalised, pre-tokenised words. Special tokens written in the text are plain text, as in Google's BERT. */
  words(text: string): string[] {
    return preTokenize(normalize(text, this.normalizer));
  }

  tokenizeWithWords(text: string): WordPieces {
    const ids: number[] = [];
    const wordIds: number[] = [];
    const words = this.words(text);
    for (let w = 0; w < words.length; w++) {
      for (const id of this.wordPiece.tokenizeWord(words[w]!)) {
        ids.push(id);
        wordIds.push(w);
      }
    }
    return { ids, tokens: ids.map((id) => this.vocab.token(id)), wordIds };
  }

  /** Word pieces without special tokens; `tokenizeWithWords` also gives ids and word indexes. */
  tokenize(text: string): string[] {
    return this.tokenizeWithWords(text).tokens;
  }

  /** `[CLS] text [SEP]`, or `[CLS] text [SEP] pair [SEP]` with segment ids 0…0 1…1. No truncation. */
  encode(text: string, pair?: string): Encoding {
    return this.post.process(this.tokenizeWithWords(text), pair === undefined ? undefined : this.tokenizeWithWords(pair));
  }

  /** Special tokens `encode` adds to one text (2) or a pair (3). */
  addedTokens(pair: boolean): number {
    return this.post.addedTokens(pair);
  }

  config(): TokenizerConfig {
    return {
      lowercase: this.normalizer.lowercase,
      strip_accents: this.normalizer.stripAccents,
      handle_chinese_chars: this.normalizer.handleChineseChars,
      clean_text: this.normalizer.cleanText,
      vocab_size: this.vocab.size,
      special_tokens: [...SPECIAL_TOKENS],
      max_input_chars_per_word: this.wordPiece.options.maxInputCharsPerWord,
    };
  }
}

export function tokenizerFromConfig(vocab: Vocab, config: TokenizerConfig): BertTokenizer {
  return new BertTokenizer(vocab, {
    lowercase: config.lowercase,
    stripAccents: config.strip_accents,
    handleChineseChars: config.handle_chinese_chars,
    cleanText: config.clean_text,
    maxInputCharsPerWord: config.max_input_chars_per_word,
  });
}

/** A tokenizer artifact directory: vocab.txt and tokenizer.json. */
export async function loadTokenizer(dir: string): Promise<BertTokenizer> {
  const file = path.join(dir, 'tokenizer.json');
  let json: unknown;
  try {
    json = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (error) {
    throw new TokenizerFileError(
      `cannot read tokenizer settings: ${(error as Error).message}`,
      file,
      'a tokenizer artifact is a directory with vocab.txt and tokenizer.json, as tokenizer/wordpiece@v1 writes it',
    );
  }
  const config = parseTokenizerConfig(json, file);
  const vocab = await loadVocab(path.join(dir, 'vocab.txt'));
  if (vocab.size !== config.vocab_size) {
    throw new TokenizerFileError(
      `vocab_size is ${config.vocab_size} but vocab.txt has ${vocab.size} tokens`,
      file,
      'the artifact was modified; rebuild it with tokenizer/wordpiece@v1',
    );
  }
  return tokenizerFromConfig(vocab, config);
}

export async function saveTokenizer(tokenizer: BertTokenizer, dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await saveVocab(path.join(dir, 'vocab.txt'), tokenizer.vocab);
  await fs.writeFile(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizer.config(), null, 2) + '\n');
}
