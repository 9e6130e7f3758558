// Reads the character classes the reference tokenizer (tokenizers@0.23.2) actually uses, by running every code
// point through its normaliser and pre-tokeniser. Its Rust crates carry older Unicode tables than V8, so \p{P} or
// \p{Mn} would disagree with it on hundreds of code points; nlp/tokenizer/unicode-tables.ts holds these sets instead.
// Regenerate with: npx tsx test/unit/tokenizer/unicode-oracle.ts > nlp/tokenizer/unicode-tables.ts
import { pathToFileURL } from 'node:url';

import { bertNormalizer, bertPreTokenizer, nfdNormalizer, type Normalizer } from 'tokenizers';

export type Ranges = Array<[number, number]>;

export interface ReferenceClasses {
  /** Removed by clean_text (control, format, private use; plus U+FFFD). Tab, newline and CR become spaces instead. */
  other: Ranges;
  /** Isolated by the pre-tokeniser. */
  punctuation: Ranges;
  /** Removed by strip_accents after NFD. */
  nonspacingMarks: Ranges;
  /** Surrounded by spaces by handle_chinese_chars. */
  chinese: Ranges;
  /** Left as they are by the reference's NFD, which predates their decompositions, but decomposed by V8's. */
  nfdUnknown: Ranges;
}

const MARK = '|';
const MARK_CODE = 0x7c;
const CHUNK = 8192;

/** Every code point except surrogates. */
export function allCodePoints(): number[] {
  const out: number[] = [];
  for (let c = 0; c <= 0x10ffff; c++) if (c < 0xd800 || c > 0xdfff) out.push(c);
  return out;
}

/** What `normalize` makes of each code point on its own, batched to keep native calls few. */
export function perCodePoint(codePoints: number[], normalize: (text: string) => string): Map<number, string> {
  const result = new Map<number, string>();
  // The marker itself goes on its own.
  if (codePoints.includes(MARK_CODE)) result.set(MARK_CODE, normalize(MARK));
  const batched = codePoints.filter((c) => c !== MARK_CODE);
  for (let i = 0; i < batched.length; i += CHUNK) {
    const part = batched.slice(i, i + CHUNK);
    const text = part.map((c) => MARK + String.fromCodePoint(c)).join('') + MARK;
    const pieces = normalize(text).split(MARK).slice(1, -1);
    if (pieces.length !== part.length) throw new Error(`normaliser merged code points near U+${part[0]!.toString(16)}`);
    part.forEach((c, j) => result.set(c, pieces[j]!));
  }
  return result;
}

/** Code points that `preTokenize` isolates between two letters ("bXb" → b, X, b), batched like perCodePoint. */
export function isolatedCodePoints(
  codePoints: number[],
  preTokenize: (text: string) => Array<[string, [number, number]]>,
): Set<number> {
  const isolated = new Set<number>();
  const candidates = codePoints.filter((c) => !/\p{White_Space}/u.test(String.fromCodePoint(c)));
  for (let i = 0; i < candidates.length; i += CHUNK) {
    const part = candidates.slice(i, i + CHUNK);
    const words = preTokenize(part.map((c) => `b${String.fromCodePoint(c)}b`).join(' ')).map(([word]) => word);
    let w = 0;
    for (const c of part) {
      // Either "bXb" as one word, or "b", "X", "b".
      if (words[w] === 'b') {
        isolated.add(c);
        w += 3;
      } else w += 1;
    }
    if (w !== words.length) throw new Error(`unexpected pre-tokenisation near U+${part[0]!.toString(16)}`);
  }
  return isolated;
}

export function toRanges(codePoints: Iterable<number>): Ranges {
  const ranges: Ranges = [];
  for (const c of [...codePoints].sort((a, b) => a - b)) {
    const last = ranges[ranges.length - 1];
    if (last && last[1] === c - 1) last[1] = c;
    else ranges.push([c, c]);
  }
  return ranges;
}

function oracleNormalizer(options: Parameters<typeof bertNormalizer>[0]): Normalizer {
  return bertNormalizer({ cleanText: false, handleChineseChars: false, stripAccents: false, lowercase: false, ...options });
}

export function referenceClasses(): ReferenceClasses {
  const cps = allCodePoints();
  const clean = oracleNormalizer({ cleanText: true });
  const strip = oracleNormalizer({ stripAccents: true });
  const chinese = oracleNormalizer({ handleChineseChars: true });
  const cleaned = perCodePoint(cps, (t) => clean.normalizeString(t));
  const stripped = perCodePoint(cps, (t) => strip.normalizeString(t));
  const spaced = perCodePoint(cps, (t) => chinese.normalizeString(t));
  const pre = bertPreTokenizer();
  const nfd = nfdNormalizer();
  const decomposed = perCodePoint(cps, (t) => nfd.normalizeString(t));
  return {
    other: toRanges(cps.filter((c) => cleaned.get(c) === '')),
    punctuation: toRanges(isolatedCodePoints(cps, (t) => pre.preTokenizeString(t))),
    nonspacingMarks: toRanges(cps.filter((c) => stripped.get(c) === '')),
    chinese: toRanges(cps.filter((c) => spaced.get(c) === ` ${String.fromCodePoint(c)} `)),
    nfdUnknown: toRanges(cps.filter((c) => decomposed.get(c) !== String.fromCodePoint(c).normalize('NFD'))),
  };
}

function hex(c: number): string {
  return `\\\\u{${c.toString(16)}}`;
}

/** One regex character-class body per set, five ranges a line. */
function classSource(name: string, doc: string, ranges: Ranges): string {
  const items = ranges.map(([a, b]) => (a === b ? hex(a) : `${hex(a)}-${hex(b)}`));
  const lines: string[] = [];
  for (let i = 0; i < items.length; i += 5) lines.push(`  '${items.slice(i, i + 5).join('')}'`);
  return `/** ${doc} */\nexport const ${name} = [\n${lines.join(',\n')},\n].join('');\n`;
}

export function renderTables(classes: ReferenceClasses): string {
  return [
    '// Generated by `npx tsx test/unit/tokenizer/unicode-oracle.ts` from tokenizers@0.23.2; do not edit.',
    "// Regex character-class bodies (for the `u` flag) of the sets the reference tokenizer's Unicode tables define.",
    '',
    classSource('OTHER_CLASS', 'Removed by clean_text: control, format and private-use characters, and U+FFFD.', classes.other),
    classSource('PUNCTUATION_CLASS', 'Split off as single tokens: ASCII punctuation and Unicode P*.', classes.punctuation),
    classSource('NONSPACING_MARK_CLASS', 'Removed by strip_accents after NFD (Mn).', classes.nonspacingMarks),
    classSource('CHINESE_CLASS', 'CJK ideographs, spaced out by handle_chinese_chars.', classes.chinese),
    classSource(
      'NFD_UNKNOWN_CLASS',
      "Decomposed by this Node's NFD but not by the reference's older tables: strip_accents leaves them alone.",
      classes.nfdUnknown,
    ),
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.stdout.write(renderTables(referenceClasses()));
}
