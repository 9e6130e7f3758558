import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DocumentWriter } from '../../../nlp/corpus/document-writer';
import { countsBetween, countWords } from '../../../nlp/corpus/stats';
import { DOCUMENT_END } from '../../../nlp/corpus/types';
import { expectDocumentFormat } from './format';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-corpus-writer-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('DocumentWriter', () => {
  it('writes one sentence per line, one blank line between documents, and counts them', async () => {
    const file = path.join(dir, 'corpus.txt');
    const writer = await DocumentWriter.create(file, { minSentenceChars: 3 });
    await writer.writeAll([DOCUMENT_END, '  Caf\u00e9  opens. ', 'ok', 'Two  words.', DOCUMENT_END, DOCUMENT_END, '', DOCUMENT_END, 'Last one here.']);
    const counts = await writer.close();
    const text = await fs.readFile(file, 'utf8');
    expect(text).toBe('Caf\u00e9 opens.\nTwo words.\n\nLast one here.\n');
    expect(expectDocumentFormat(text)).toEqual([['Caf\u00e9 opens.', 'Two words.'], ['Last one here.']]);
    expect(counts).toEqual({ documents: 2, sentences: 3, words: 7, bytes: Buffer.byteLength(text) });
    expect(counts.bytes).toBe(text.length + 1); // é is two bytes
  });
});

describe('stats', () => {
  it('counts whitespace-separated words and per-source shares', () => {
    expect(countWords(' a  b\tc ')).toBe(3);
    expect(countWords('')).toBe(0);
    expect(countsBetween({ documents: 1, sentences: 2, words: 3, bytes: 4 }, { documents: 3, sentences: 7, words: 20, bytes: 100 })).toEqual({
      documents: 2,
      sentences: 5,
      words: 17,
      bytes: 96,
    });
  });
});
