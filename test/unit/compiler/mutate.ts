// Seeded mutations of pipeline YAML for the compiler fuzz test: each one aims at a way the loader,
// the schema check or the analysis could crash or hang rather than report.

type Rng = () => number;
const int = (rng: Rng, n: number): number => Math.floor(rng() * n);
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[int(rng, xs.length)]!;

const CHARS = [':', '-', '[', ']', '{', '}', '&', '*', '!', '|', '>', "'", '"', '#', '%', '@', '`', ',', '?', '\t', '\n', ' ', '\0', '\uFFFD', '\uD800', 'é', 'x', '0', '$'];
const NUMBERS = ['1e400', '-1e400', '99999999999999999999999', '-0', '0x7fffffff', '0o777', '.nan', '.inf', '-.inf', '1e-400', '12345678901234567890.5', '0b101'];
const EXPRESSIONS = ['"${{ params."', '"${{}}"', '"${{ steps.x.outputs }}"', '"${{ steps.corpus.outputs.nope }}"', '"${{ params.nope }}"',
  '"${{ steps.tokenizer.outputs.tokenizer }} and ${{ params.seed"', '"${{ ${{ params.seed }} }}"', '"}}${{"', '"${{ steps.pretrain.outputs.model }}"'];
const TAGS = ['!!binary aGk=', '!!set {a, b}', '!custom x', '!!timestamp 2001-12-14', '!!float 1', '!!str', '!!omap [a: 1]'];
const KEYS = ['bogus', '__proto__', 'constructor', '$ref', '$template', '${{ params.seed }}', 'with', 'needs', 'uses', 'steps', '"a.b"', '? [k]', '<<'];

/** Deep nesting around the limit (100) and far beyond it, block or flow. */
function deep(rng: Rng): string {
  const n = pick(rng, [50, 99, 100, 101, 500, 3000]);
  const form = int(rng, 3);
  if (form === 0) return `[${'['.repeat(n)}${']'.repeat(n)}]`;
  if (form === 1) return `${'{a: '.repeat(n)}1${'}'.repeat(n)}`;
  return `\n  ${'- '.repeat(n)}1`;
}

/** Ten aliases per level to the level before: 10^levels values. */
function bomb(rng: Rng): string {
  const levels = 3 + int(rng, 6);
  let out = '\nbomb:\n  b0: &b0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n';
  for (let i = 1; i <= levels; i++) out += `  b${i}: &b${i} [${Array(10).fill(`*b${i - 1}`).join(', ')}]\n`;
  return out;
}

const MUTATIONS: Record<string, (lines: string[], rng: Rng) => void> = {
  flip(lines, rng) {
    const i = int(rng, lines.length);
    const line = lines[i]!;
    const at = int(rng, line.length + 1);
    lines[i] = line.slice(0, at) + pick(rng, CHARS) + line.slice(at + int(rng, 2));
  },
  deleteLine: (lines, rng) => void lines.splice(int(rng, lines.length), 1),
  duplicateLine(lines, rng) {
    const i = int(rng, lines.length);
    lines.splice(i, 0, lines[i]!);
  },
  swapLines(lines, rng) {
    const i = int(rng, lines.length);
    const j = int(rng, lines.length);
    [lines[i], lines[j]] = [lines[j]!, lines[i]!];
  },
  indent(lines, rng) {
    const i = int(rng, lines.length);
    const by = pick(rng, [-4, -2, -1, 1, 2, 3]);
    lines[i] = by > 0 ? ' '.repeat(by) + lines[i] : lines[i]!.replace(new RegExp(`^ {0,${-by}}`), '');
  },
  anchorAlias(lines, rng) {
    // Anchor one value and use it elsewhere: before the anchor (unknown), after it, or inside it.
    const i = int(rng, lines.length);
    lines[i] = lines[i]!.replace(/: /, ': &z ');
    const j = int(rng, lines.length);
    lines[j] = lines[j]!.replace(/: .*$/, ': *z');
  },
  selfAlias(lines, rng) {
    lines.splice(int(rng, lines.length), 0, `${' '.repeat(pick(rng, [0, 2, 4, 6]))}self: &s ${pick(rng, ['[*s]', '{a: *s}', '[1, [2, *s]]'])}`);
  },
  deepNesting(lines, rng) {
    const i = int(rng, lines.length);
    lines[i] = lines[i]!.replace(/:( .*)?$/, `: ${deep(rng)}`);
  },
  aliasBomb: (lines, rng) => void lines.push(...bomb(rng).split('\n')),
  hugeNumber(lines, rng) {
    const i = int(rng, lines.length);
    lines[i] = lines[i]!.replace(/\b\d+(\.\d+)?\b/, pick(rng, NUMBERS));
  },
  unknownKey(lines, rng) {
    lines.splice(int(rng, lines.length), 0, `${' '.repeat(pick(rng, [0, 2, 4, 6]))}${pick(rng, KEYS)}: 1`);
  },
  brokenExpression(lines, rng) {
    const i = int(rng, lines.length);
    lines[i] = lines[i]!.replace(/: .*$/, `: ${pick(rng, EXPRESSIONS)}`);
  },
  tag(lines, rng) {
    const i = int(rng, lines.length);
    lines[i] = lines[i]!.replace(/: .*$/, `: ${pick(rng, TAGS)}`);
  },
  documentMarker: (lines, rng) => void lines.splice(int(rng, lines.length), 0, pick(rng, ['---', '...', '%YAML 1.1', '--- !!map', '%TAG ! tag:x,2000:'])),
  truncate: (lines, rng) => void lines.splice(int(rng, lines.length)),
};

export const MUTATION_NAMES = Object.keys(MUTATIONS);

/** 1 to 3 mutations of `text`, chosen by `rng`; returns the new text and the names of what was done. */
export function mutate(text: string, rng: Rng): { text: string; applied: string[] } {
  const lines = text.split('\n');
  const applied: string[] = [];
  for (let n = 1 + int(rng, 3); n > 0; n--) {
    const name = pick(rng, MUTATION_NAMES);
    if (lines.length === 0) lines.push('');
    MUTATIONS[name]!(lines, rng);
    applied.push(name);
  }
  return { text: lines.join('\n'), applied };
}
