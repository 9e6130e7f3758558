// Stage 1: BERT's normaliser, step for step as the reference (tokenizers' BertNormalizer) does it.
import { CHINESE_CLASS, NFD_UNKNOWN_CLASS, NONSPACING_MARK_CLASS, OTHER_CLASS } from './unicode-tables';

export interface NormalizerOptions {
  /** Drop control and format characters and U+FFFD; turn every kind of whitespace into a plain space. */
  cleanText: boolean;
  /** Put spaces around CJK ideographs so each becomes a word of its own. */
  handleChineseChars: boolean;
  /** NFD, then drop nonspacing marks: "café" → "cafe". BERT ties it to `lowercase` unless set. */
  stripAccents: boolean;
  lowercase: boolean;
}

/** Defaults of BERT uncased; `stripAccents` follows `lowercase` when not given (null or undefined). */
export function resolveNormalizerOptions(
  options: Partial<Omit<NormalizerOptions, 'stripAccents'>> & { stripAccents?: boolean | null } = {},
): NormalizerOptions {
  const lowercase = options.lowercase ?? true;
  return {
    cleanText: options.cleanText ?? true,
    handleChineseChars: options.handleChineseChars ?? true,
    stripAccents: options.stripAccents ?? lowercase,
    lowercase,
  };
}

// The reference works on Rust strings, where a lone surrogate arrives as U+FFFD.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const OTHER = new RegExp(`[${OTHER_CLASS}]`, 'gu');
// Whitespace other than the plain space (the control characters among it are already gone).
const OTHER_WHITESPACE = /[^\P{White_Space} ]/gu;
const CHINESE = new RegExp(`[${CHINESE_CLASS}]`, 'gu');
const NONSPACING_MARK = new RegExp(`[${NONSPACING_MARK_CLASS}]`, 'gu');
const NFD_UNKNOWN = new RegExp(`[${NFD_UNKNOWN_CLASS}]`, 'u');
const NFD_UNKNOWN_SPLIT = new RegExp(`([${NFD_UNKNOWN_CLASS}])`, 'u');
// Printable ASCII needs none of the Unicode steps.
const NOT_PRINTABLE_ASCII = /[^\x20-\x7e]/;

export function normalize(text: string, options: NormalizerOptions): string {
  if (NOT_PRINTABLE_ASCII.test(text)) {
    text = text.replace(LONE_SURROGATE, '\uFFFD');
    if (options.cleanText) text = text.replace(OTHER, '').replace(OTHER_WHITESPACE, ' ');
    if (options.handleChineseChars) text = text.replace(CHINESE, ' $& ');
    if (options.stripAccents) text = nfd(text).replace(NONSPACING_MARK, '');
  }
  return options.lowercase ? lowercase(text) : text;
}

/**
 * NFD as the reference computes it: its tables predate a few decompositions, and to it those characters are
 * unknown starters that stay as they are and block reordering, so cutting the text at them gives its result.
 */
function nfd(text: string): string {
  if (!NFD_UNKNOWN.test(text)) return text.normalize('NFD');
  return text
    .split(NFD_UNKNOWN_SPLIT)
    .map((part, i) => (i % 2 === 1 ? part : part.normalize('NFD')))
    .join('');
}

/**
 * Character by character, like Rust's char::to_lowercase: JS would turn a word-final Σ into ς, the reference into σ.
 * Mapping Σ first is enough, as it is the only context-dependent case in the locale-independent mapping.
 */
function lowercase(text: string): string {
  return (text.includes('Σ') ? text.replaceAll('Σ', 'σ') : text).toLowerCase();
}
