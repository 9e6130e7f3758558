import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildCorpus } from '../../../nlp/corpus/build';
import { cleanSotu } from '../../../nlp/corpus/datasets/sotu';
import { expectDocumentFormat } from './format';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-corpus-datasets-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function build(dataset: 'sotu' | 'brown' | 'moby-dick', limit: number) {
  const outFile = path.join(dir, `${dataset}-${limit}.txt`);
  const stats = await buildCorpus({ sources: [{ dataset, limit }], outFile, baseDir: dir, workDir: dir });
  return { stats, text: await fs.readFile(outFile, 'utf8') };
}

describe('built-in datasets, limit 2', () => {
  it.each(['sotu', 'brown', 'moby-dick'] as const)('%s: two documents in document format, stats match the file', async (dataset) => {
    const { stats, text } = await build(dataset, 2);
    const documents = expectDocumentFormat(text);
    expect(documents).toHaveLength(2);
    expect(stats.documents).toBe(2);
    expect(stats.sentences).toBe(documents.flat().length);
    expect(stats.sentences).toBeGreaterThan(50);
    expect(stats.words).toBe(documents.flat().reduce((sum, s) => sum + s.split(' ').length, 0));
    expect(stats.bytes).toBe(Buffer.byteLength(text));
    expect(stats.sources).toEqual([
      { source: `dataset:${dataset}`, documents: 2, sentences: stats.sentences, words: stats.words, bytes: stats.bytes, sha256: null, inputBytes: null },
    ]);
  });

  it('starts each dataset where its book order starts, and is deterministic', async () => {
    const sotu = await build('sotu', 2);
    expect(sotu.text.startsWith('Fellow-Citizens of the Senate and House of Representatives:')).toBe(true);
    const brown = await build('brown', 2);
    expect(brown.text.startsWith('The Fulton County Grand Jury said Friday')).toBe(true);
    expect(brown.text).not.toMatch(/\/[a-z$*]+(-[a-z]+)?( |$)/mu); // no tags left
    const moby = await build('moby-dick', 2);
    expect(moby.text.startsWith('Call me Ishmael.\n')).toBe(true);
    expect(moby.text).not.toContain('CHAPTER');
    expect((await build('moby-dick', 2)).text).toBe(moby.text);
  });

  it('removes audience reactions and page marks from State of the Union transcripts', () => {
    expect(cleanSotu('Madam Vice President\u2014(applause)\u2014no President. Thank you. (Applause.) We [Laughter] can [p.2] go.')).toBe(
      'Madam Vice President\u2014no President. Thank you. We can go.',
    );
  });
});
