import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { parseTokenizerConfig } from '../../../nlp/tokenizer/config';
import { TokenizerFileError } from '../../../nlp/tokenizer/errors';
import { BertTokenizer, loadTokenizer, saveTokenizer } from '../../../nlp/tokenizer/tokenizer';
import { loadVocab, type Vocab } from '../../../nlp/tokenizer/vocab';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/tokenizer');
let vocab: Vocab;
let dir: string;

beforeAll(async () => {
  // [PAD] 0 [UNK] 1 [CLS] 2 [SEP] 3 [MASK] 4 want 5 ##want 6 ##ed 7 wa 8 un 9 runn 10 ##ing 11 , 12 . 13 ! 14
  // cafe 15 hello 16 中 17 国 18 ##s 19 a 20 ##a 21 ##nt 22
  vocab = await loadVocab(path.join(FIXTURES, 'tiny-vocab.txt'));
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-tokenizer-'));
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('BertTokenizer with a tiny vocab', () => {
  it('encodes with exact ids', () => {
    const tokenizer = new BertTokenizer(vocab);
    expect(tokenizer.encode('UNwant\u00e9d,running').ids).toEqual([2, 9, 6, 7, 12, 10, 11, 3]);
    expect(tokenizer.encode('Héllo, CAFÉ!').ids).toEqual([2, 16, 12, 15, 14, 3]);
    expect(tokenizer.encode('中国').ids).toEqual([2, 17, 18, 3]);
    expect(tokenizer.encode('unwantedX wanted').ids).toEqual([2, 1, 5, 7, 3]);
    expect(tokenizer.encode('').ids).toEqual([2, 3]);
  });

  it('encodes a pair with segment ids', () => {
    expect(new BertTokenizer(vocab).encode('hello', 'cafes!')).toEqual({
      ids: [2, 16, 3, 15, 19, 14, 3],
      tokens: ['[CLS]', 'hello', '[SEP]', 'cafe', '##s', '!', '[SEP]'],
      segmentIds: [0, 0, 0, 1, 1, 1, 1],
    });
  });

  it('keeps case and accents with lowercase off', () => {
    const tokenizer = new BertTokenizer(vocab, { lowercase: false });
    expect(tokenizer.tokenize('Hello hello café')).toEqual(['[UNK]', 'hello', '[UNK]']);
    expect(new BertTokenizer(vocab, { lowercase: false, stripAccents: true }).tokenize('cafe café')).toEqual(['cafe', 'cafe']);
  });

  it('tokenizes without special tokens and says which word each piece is from', () => {
    const tokenizer = new BertTokenizer(vocab);
    expect(tokenizer.tokenize('unwanted, running')).toEqual(['un', '##want', '##ed', ',', 'runn', '##ing']);
    expect(tokenizer.tokenizeWithWords('unwanted, running')).toEqual({
      ids: [9, 6, 7, 12, 10, 11],
      tokens: ['un', '##want', '##ed', ',', 'runn', '##ing'],
      wordIds: [0, 0, 0, 1, 2, 2],
    });
  });

  it('treats special tokens written in text as plain text', () => {
    expect(new BertTokenizer(vocab).tokenize('[MASK]')).toEqual(['[UNK]', '[UNK]', '[UNK]']);
  });

  it('exposes the special ids and how many specials encode adds', () => {
    const tokenizer = new BertTokenizer(vocab);
    expect(tokenizer.specialIds).toEqual({ pad: 0, unk: 1, cls: 2, sep: 3, mask: 4 });
    expect(tokenizer.addedTokens(true)).toBe(3);
  });
});

describe('tokenizer artifact directory', () => {
  it('saves vocab.txt and tokenizer.json and loads them back', async () => {
    const out = path.join(dir, 'cased');
    await saveTokenizer(new BertTokenizer(vocab, { lowercase: false, handleChineseChars: false }), out);
    expect(JSON.parse(await fs.readFile(path.join(out, 'tokenizer.json'), 'utf8'))).toEqual({
      lowercase: false,
      strip_accents: false,
      handle_chinese_chars: false,
      clean_text: true,
      vocab_size: 23,
      special_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'],
      max_input_chars_per_word: 100,
    });
    const loaded = await loadTokenizer(out);
    expect(loaded.normalizer).toEqual({ cleanText: true, handleChineseChars: false, stripAccents: false, lowercase: false });
    expect(loaded.encode('Hello hello').ids).toEqual([2, 1, 16, 3]);
  });

  it('rejects a directory without tokenizer.json', async () => {
    await expect(loadTokenizer(path.join(dir, 'absent'))).rejects.toBeInstanceOf(TokenizerFileError);
  });

  it('rejects a tokenizer.json that does not match its vocab.txt', async () => {
    const out = path.join(dir, 'tampered');
    await saveTokenizer(new BertTokenizer(vocab), out);
    await fs.appendFile(path.join(out, 'vocab.txt'), 'extra\n');
    await expect(loadTokenizer(out)).rejects.toThrow('vocab_size is 23 but vocab.txt has 24 tokens');
  });
});

describe('parseTokenizerConfig', () => {
  const valid = { lowercase: true, strip_accents: null, handle_chinese_chars: true, clean_text: true, vocab_size: 30 };

  it('fills in special tokens and the word limit', () => {
    expect(parseTokenizerConfig(valid, 'x.json')).toEqual({
      ...valid,
      special_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'],
      max_input_chars_per_word: 100,
    });
  });

  it('rejects unknown keys and wrong types, naming the file', () => {
    expect(() => parseTokenizerConfig({ ...valid, lowercse: true }, 'x.json')).toThrow('x.json: unknown key "lowercse"');
    expect(() => parseTokenizerConfig({ ...valid, lowercase: 'yes' }, 'x.json')).toThrow('"lowercase" must be true or false');
    expect(() => parseTokenizerConfig({ ...valid, vocab_size: 0 }, 'x.json')).toThrow('"vocab_size" must be a positive integer');
    expect(() => parseTokenizerConfig([], 'x.json')).toThrow('expected a JSON object');
  });
});
