// The real all-MiniLM-L6-v2 tokenizer read by kiln gives exactly the ids of Hugging Face's tokenizers (the npm
// binding of the Rust library, and the Python one that wrote test/fixtures/hf/minilm-reference.json).
import fs from 'node:fs/promises';
import path from 'node:path';

import { Tokenizer } from 'tokenizers';
import { beforeAll, describe, expect, it } from 'vitest';

import { sentimentSentences } from '../../../nlp/dataset/sentiment-sentences';
import { readHfTokenizer } from '../../../nlp/hf/tokenizer';
import { tokenizerFromConfig, type BertTokenizer } from '../../../nlp/tokenizer/tokenizer';
import { Vocab } from '../../../nlp/tokenizer/vocab';
import { setupMinilm } from '../../../setup/minilm';
import { minilmDir } from '../../helpers/minilm';

interface Reference {
  sentences: Array<{ text: string; ids: number[] }>;
}

const REFERENCE_FILE = path.resolve(import.meta.dirname, '../../fixtures/hf/minilm-reference.json');

let dir: string;
let ours: BertTokenizer;
let reference: Tokenizer;
let sentences: Reference['sentences'];

beforeAll(async () => {
  dir = await minilmDir();
  const hf = await readHfTokenizer(dir);
  ours = tokenizerFromConfig(Vocab.fromTokens(hf.tokens, hf.source), hf.config);
  reference = Tokenizer.fromFile(path.join(dir, 'tokenizer.json'));
  // The file truncates and pads to 128; the comparison is of the whole text.
  reference.disableTruncation();
  reference.disablePadding();
  sentences = (JSON.parse(await fs.readFile(REFERENCE_FILE, 'utf8')) as Reference).sentences;
});

async function referenceIds(texts: string[]): Promise<number[][]> {
  const encodings = await reference.encodeBatch(texts, { addSpecialTokens: true });
  return encodings.map((encoding) => encoding.getIds());
}

describe('all-MiniLM-L6-v2 tokenizer', () => {
  it('is set up once: a second setup finds it in place', async () => {
    expect(await setupMinilm()).toEqual({ dir, alreadyThere: true });
  });

  it('reads as an uncased BERT WordPiece tokenizer of 30,522 tokens', async () => {
    const hf = await readHfTokenizer(dir);
    expect(hf.source).toBe(path.join(dir, 'tokenizer.json'));
    expect(hf.config).toEqual({
      lowercase: true,
      strip_accents: null,
      handle_chinese_chars: true,
      clean_text: true,
      vocab_size: 30522,
      special_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'],
      max_input_chars_per_word: 100,
    });
    expect(ours.specialIds).toEqual({ pad: 0, unk: 100, cls: 101, sep: 102, mask: 103 });
  });

  it("gives the reference sentences' ids: the tokenizers package's, and Python's in minilm-reference.json", async () => {
    const texts = sentences.map((s) => s.text);
    const expected = sentences.map(({ text, ids }) => ({ text, ids }));
    expect(texts.map((text) => ({ text, ids: ours.encode(text).ids }))).toEqual(expected);
    expect((await referenceIds(texts)).map((ids, i) => ({ text: texts[i], ids }))).toEqual(expected);
  });

  it('gives the ids of the tokenizers package for every sentence of the sentiment-sentences dataset', async () => {
    const texts: string[] = [];
    for await (const example of sentimentSentences(['imdb', 'yelp', 'amazon'])) if (example) texts.push(example.text);
    expect(texts.length).toBeGreaterThan(2900);
    const expected = await referenceIds(texts);
    const mismatches = texts.flatMap((text, i) => {
      const ids = ours.encode(text).ids;
      return ids.join() === expected[i]!.join() ? [] : [{ text, ids, expected: expected[i] }];
    });
    expect(mismatches).toEqual([]);
  });
});
