import { splitSentences } from './sentences';
import { DOCUMENT_END, type CorpusItem } from './types';

/** Past this size a paragraph's finished sentences are emitted early, so a file without blank lines stays cheap. */
const MAX_PENDING_CHARS = 1 << 20;

const BLANK = /^\s*$/u;

/**
 * `format: text`. Blank lines separate paragraphs; two or more blank lines in a row separate documents, so a file
 * without them is one document. Lines within a paragraph are joined before sentence splitting.
 */
export async function* textItems(lines: AsyncIterable<string>): AsyncGenerator<CorpusItem> {
  let pending = '';
  let blanks = 0;
  for await (const line of lines) {
    if (BLANK.test(line)) {
      blanks += 1;
      continue;
    }
    if (blanks > 0) {
      yield* splitSentences(pending);
      pending = '';
      if (blanks >= 2) yield DOCUMENT_END;
      blanks = 0;
    }
    pending = pending === '' ? line : `${pending} ${line}`;
    if (pending.length > MAX_PENDING_CHARS) {
      // A boundary is decided by the text around it only, so splitting early and carrying the unfinished last
      // sentence gives the same sentences as splitting the whole paragraph. A megabyte without any boundary is
      // not prose: it is emitted as it is rather than re-split on every line.
      const sentences = splitSentences(pending);
      pending = sentences.length > 1 ? (sentences.pop() ?? '') : '';
      yield* sentences;
    }
  }
  yield* splitSentences(pending);
  yield DOCUMENT_END;
}

/** `format: documents`: already one sentence per line, blank lines between documents. */
export async function* documentsItems(lines: AsyncIterable<string>): AsyncGenerator<CorpusItem> {
  for await (const line of lines) yield BLANK.test(line) ? DOCUMENT_END : line;
  yield DOCUMENT_END;
}
