import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildCorpus } from '../../../nlp/corpus/build';
import { CorpusInputError } from '../../../nlp/corpus/errors';
import type { CorpusSource } from '../../../nlp/corpus/types';
import { expectDocumentFormat } from './format';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-corpus-build-'));
  await fs.writeFile(path.join(dir, 'prose.txt'), 'One. Two\nthree.\n\n\nFour!\n');
  await fs.writeFile(path.join(dir, 'docs.txt.gz'), gzipSync('Already split .\n  spaced   out  \n\nNext doc\n'));
  await fs.writeFile(path.join(dir, 'empty.txt'), '\n \n\n');
  await fs.writeFile(path.join(dir, 'broken.gz'), gzipSync('Some text. '.repeat(1000)).subarray(0, 60));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function build(sources: CorpusSource[], minSentenceChars?: number) {
  const outFile = path.join(dir, 'out.txt');
  const stats = await buildCorpus({ sources, outFile, baseDir: dir, workDir: path.join(dir, 'work'), minSentenceChars });
  return { stats, text: await fs.readFile(outFile, 'utf8') };
}

describe('buildCorpus', () => {
  it('concatenates sources in order without merging documents across them', async () => {
    const { stats, text } = await build([
      { file: 'prose.txt', format: 'text' },
      { file: 'docs.txt.gz', format: 'documents' },
    ]);
    expect(text).toBe('One.\nTwo three.\n\nFour!\n\nAlready split .\nspaced out\n\nNext doc\n');
    expect(expectDocumentFormat(text)).toHaveLength(4);
    expect(stats).toMatchObject({ documents: 4, sentences: 6, words: 11, bytes: Buffer.byteLength(text) });
    expect(stats.sources.map((s) => [s.source, s.documents, s.sentences])).toEqual([
      ['file:prose.txt', 2, 3],
      ['file:docs.txt.gz', 2, 3],
    ]);
  });

  it('drops sentences shorter than min_sentence_chars', async () => {
    const { text } = await build([{ file: 'prose.txt', format: 'text' }], 5);
    expect(text).toBe('Two three.\n\nFour!\n');
  });

  it('rejects a source without sentences, and gzip that does not decompress', async () => {
    const empty = build([{ dataset: 'sotu', limit: 1 }, { file: 'empty.txt', format: 'text' }]);
    await expect(empty).rejects.toBeInstanceOf(CorpusInputError);
    await expect(empty).rejects.toThrow('corpus is empty: file:empty.txt produced no sentences');
    const broken = build([{ file: 'broken.gz', format: 'text' }]);
    await expect(broken).rejects.toBeInstanceOf(CorpusInputError);
    await expect(broken).rejects.toThrow('file:broken.gz: not valid gzip data');
  });
});
