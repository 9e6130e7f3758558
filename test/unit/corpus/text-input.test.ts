import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { isGzip, isGzipFile, readLines } from '../../../nlp/corpus/text-input';
import { documentsItems, textItems } from '../../../nlp/corpus/text-format';
import { DOCUMENT_END, type CorpusItem } from '../../../nlp/corpus/types';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-corpus-input-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function* fromArray(lines: string[]): AsyncGenerator<string> {
  yield* lines;
}

const END: typeof DOCUMENT_END = DOCUMENT_END;

describe('gzip detection', () => {
  it('goes by the magic bytes 1f 8b, not by the name', async () => {
    expect(isGzip(Uint8Array.from([0x1f, 0x8b, 8]))).toBe(true);
    expect(isGzip(Uint8Array.from([0x1f]))).toBe(false);
    expect(isGzip(Buffer.from('plain'))).toBe(false);
    const disguised = path.join(dir, 'looks-plain.txt');
    await fs.writeFile(disguised, gzipSync('One.\nTwo.\n'));
    const named = path.join(dir, 'not-really.gz');
    await fs.writeFile(named, 'One.\nTwo.\n');
    expect(await isGzipFile(disguised)).toBe(true);
    expect(await isGzipFile(named)).toBe(false);
    expect(await collect(readLines(disguised))).toEqual(['One.', 'Two.']);
    expect(await collect(readLines(named))).toEqual(['One.', 'Two.']);
  });
});

describe('readLines', () => {
  it('replaces bytes that are not UTF-8, drops a BOM and handles CRLF and a missing final newline', async () => {
    const file = path.join(dir, 'mixed.txt');
    await fs.writeFile(file, Buffer.concat([Buffer.from('\ufeffcaf\u00e9 ok\r\nbad '), Buffer.from([0xff, 0xfe]), Buffer.from(' end')]));
    expect(await collect(readLines(file))).toEqual(['caf\u00e9 ok', 'bad \ufffd\ufffd end']);
  });
});

describe('textItems', () => {
  it('splits paragraphs on one blank line and documents on two or more', async () => {
    const lines = ['First doc, first', 'line. Second sentence.', '', 'Next paragraph.', '', '', '', 'Second doc.', '\f', 'Still two.'];
    expect(await collect(textItems(fromArray(lines)))).toEqual<CorpusItem[]>([
      'First doc, first line.',
      'Second sentence.',
      'Next paragraph.',
      END,
      'Second doc.',
      'Still two.',
      END,
    ]);
  });

  it('gives the same sentences for a paragraph far larger than its early-split threshold', async () => {
    const sentence = 'This sentence is repeated many times.';
    const lines = Array.from({ length: 40_000 }, () => sentence);
    const items = await collect(textItems(fromArray(lines)));
    expect(items).toHaveLength(40_001);
    expect(items.slice(0, -1).every((item) => item === sentence)).toBe(true);
  });
});

describe('documentsItems', () => {
  it('passes lines through and ends a document at each blank line', async () => {
    expect(await collect(documentsItems(fromArray(['One.', 'Two.', '', 'Three.'])))).toEqual<CorpusItem[]>([
      'One.',
      'Two.',
      END,
      'Three.',
      END,
    ]);
  });
});
