// Rule-based sentence splitting for plain English text. Good enough for pretraining data, where an
// occasional wrong split costs little; deterministic, so the same text always yields the same corpus.

/** Titles and other abbreviations that are followed by a capitalised word without ending a sentence. */
const ABBREVIATIONS = new Set([
  'Mr', 'Mrs', 'Ms', 'Messrs', 'Mme', 'Mlle', 'Dr', 'Prof', 'Rev', 'Hon', 'St', 'Mt', 'Ft', 'Jr', 'Sr',
  'Gen', 'Col', 'Maj', 'Capt', 'Lt', 'Sgt', 'Cmdr', 'Adm', 'Gov', 'Sen', 'Rep', 'Pres', 'Supt',
  'vs', 'viz', 'cf', 'ca', 'approx',
  'Jan', 'Feb', 'Mar', 'Apr', 'Jun', 'Jul', 'Aug', 'Sep', 'Sept', 'Oct', 'Nov', 'Dec',
]);

/** Abbreviations that only continue the sentence before a number: "No. 5", "pp. 12". */
const NUMBER_ABBREVIATIONS = new Set(['No', 'no', 'Nos', 'Art', 'Vol', 'vol', 'p', 'pp', 'Fig', 'fig', 'Sec', 'ch', 'Ch']);

// Terminal punctuation, optional closing quotes/brackets, whitespace, then what may start a sentence
// (opening quotes/brackets, then an uppercase letter or a digit).
const BOUNDARY = /([.?!]+)(["'\u201d\u2019)\]]*)\s+(?=["'\u201c\u2018([]*([\p{Lu}\p{Lt}\d]))/gu;
const LEADING_OPENERS = /^["'\u201c\u2018([]+/u;
const INITIAL = /^\p{Lu}$/u;
const DOTTED = /^(?:\p{L}\.)+\p{L}$/u; // U.S, e.g, a.m, D.C

// Spaces that are not ASCII space, controls other than tab/newline, zero-width characters and the BOM.
const ODD_SPACE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/gu;
const INVISIBLE = /[\u200b-\u200d\u2060\ufeff]/gu;

/** NFC, every run of whitespace (any kind) to one space, invisible characters dropped, trimmed. */
export function normalizeWhitespace(text: string): string {
  return text.normalize('NFC').replace(INVISIBLE, '').replace(ODD_SPACE, ' ').replace(/\s+/gu, ' ').trim();
}

/** Split one paragraph (lines already joined) into sentences; whitespace is normalised, empties dropped. */
export function splitSentences(paragraph: string): string[] {
  const text = normalizeWhitespace(paragraph);
  const sentences: string[] = [];
  let start = 0;
  for (const match of text.matchAll(BOUNDARY)) {
    const at = match.index;
    const punctuation = match[1] ?? '';
    const next = match[3] ?? '';
    if (punctuation === '.' && !endsSentence(text.slice(text.lastIndexOf(' ', at) + 1, at), next)) continue;
    const end = at + punctuation.length + (match[2] ?? '').length;
    sentences.push(text.slice(start, end).trim());
    start = at + match[0].length;
  }
  sentences.push(text.slice(start).trim());
  return sentences.filter((sentence) => sentence !== '');
}

/** Split text whose paragraphs are separated by blank lines; lines within a paragraph are joined. */
export function textToSentences(text: string): string[] {
  return text.split(/\n[ \t\f\r\v]*\n/).flatMap((paragraph) => splitSentences(paragraph));
}

/** Does `word.` end a sentence when `next` starts the following word? */
function endsSentence(rawWord: string, next: string): boolean {
  const word = rawWord.replace(LEADING_OPENERS, '');
  if (ABBREVIATIONS.has(word) || INITIAL.test(word) || DOTTED.test(word)) return false;
  if (NUMBER_ABBREVIATIONS.has(word) && /\d/u.test(next)) return false;
  return true;
}
