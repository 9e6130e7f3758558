import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { TokenizerFileError } from '../../../nlp/tokenizer/errors';
import { loadVocab, parseVocabText, saveVocab, Vocab } from '../../../nlp/tokenizer/vocab';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/tokenizer');
let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-vocab-'));
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('vocab.txt', () => {
  it('maps each token to its line number', async () => {
    const vocab = await loadVocab(path.join(FIXTURES, 'tiny-vocab.txt'));
    expect(vocab.size).toBe(23);
    expect([vocab.id('[PAD]'), vocab.id('[UNK]'), vocab.id('want'), vocab.id('##nt')]).toEqual([0, 1, 5, 22]);
    expect(vocab.token(9)).toBe('un');
    expect(vocab.get('missing')).toBeUndefined();
    expect(() => vocab.token(23)).toThrow(RangeError);
  });

  it('reads lines like the reference: trailing whitespace and CR dropped, a last newline optional', () => {
    expect(parseVocabText('a\nb \r\n##c\t\n')).toEqual(['a', 'b', '##c']);
    expect(parseVocabText('a\nb')).toEqual(['a', 'b']);
  });

  it('gives a duplicated token the id of its last line', () => {
    const vocab = Vocab.fromTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'x', 'x']);
    expect(vocab.id('x')).toBe(6);
    expect(vocab.size).toBe(7);
  });

  it('round-trips through a file byte for byte', async () => {
    const source = path.join(FIXTURES, 'tiny-vocab.txt');
    const copy = path.join(dir, 'copy.txt');
    await saveVocab(copy, await loadVocab(source));
    expect(await fs.readFile(copy, 'utf8')).toBe(await fs.readFile(source, 'utf8'));
  });

  it('rejects a vocab without [UNK], naming the file and the fix', async () => {
    const file = path.join(FIXTURES, 'vocab-without-unk.txt');
    const error = await loadVocab(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenizerFileError);
    expect((error as TokenizerFileError).message).toBe(`${file}: vocab lacks the special token [UNK]`);
    expect((error as TokenizerFileError).file).toBe(file);
    expect((error as TokenizerFileError).hint).toMatch(/add \[UNK\] as lines of their own/);
  });

  it('lists every missing special token', () => {
    expect(() => Vocab.fromTokens(['[PAD]', 'a'])).toThrow('vocab lacks the special tokens [UNK] [CLS] [SEP] [MASK]');
    expect(() => Vocab.fromTokens([])).toThrow(TokenizerFileError);
  });

  it('reports a missing file with a hint about relative paths', async () => {
    const file = path.join(dir, 'nope.txt');
    await expect(loadVocab(file)).rejects.toMatchObject({
      message: `${file}: cannot read vocab (ENOENT)`,
      hint: expect.stringContaining('relative to the pipeline file'),
    });
  });
});
