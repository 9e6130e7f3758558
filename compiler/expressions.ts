// `${{ params.NAME }}` and `${{ steps.ID.outputs.NAME }}`: the only two expressions there are.

export type Expression = { kind: 'param'; name: string; text: string } | { kind: 'output'; step: string; output: string; text: string };

/** A string split into literal text and expressions, in order. */
export type Part = string | Expression;

export const EXPRESSION_HINT = 'the only expressions are ${{ params.NAME }} and ${{ steps.ID.outputs.NAME }}';

const OPEN = '${{';
const CLOSE = '}}';
const PARAM = /^params\.([A-Za-z_][A-Za-z0-9_-]*)$/;
const OUTPUT = /^steps\.([a-z][a-z0-9-]*)\.outputs\.([A-Za-z_][A-Za-z0-9_-]*)$/;

export function hasExpression(s: string): boolean {
  return s.includes(OPEN);
}

export type ParseResult = { parts: Part[] } | { error: string; hint: string };

/** Splits `s` into text and expressions; the first malformed expression is an error. */
export function parseExpressions(s: string): ParseResult {
  const parts: Part[] = [];
  let rest = s;
  for (;;) {
    const open = rest.indexOf(OPEN);
    if (open < 0) break;
    const close = rest.indexOf(CLOSE, open + OPEN.length);
    if (close < 0) return { error: `"${OPEN}" without a closing "${CLOSE}"`, hint: EXPRESSION_HINT };
    if (open > 0) parts.push(rest.slice(0, open));
    const text = rest.slice(open, close + CLOSE.length);
    const inner = rest.slice(open + OPEN.length, close).trim();
    const param = PARAM.exec(inner);
    const output = OUTPUT.exec(inner);
    if (param) parts.push({ kind: 'param', name: param[1]!, text });
    else if (output) parts.push({ kind: 'output', step: output[1]!, output: output[2]!, text });
    else return { error: `unsupported expression "${text}"`, hint: EXPRESSION_HINT };
    rest = rest.slice(close + CLOSE.length);
  }
  if (rest !== '') parts.push(rest);
  return { parts };
}

/** Text of a param inside a longer string: strings as they are, anything else as JSON. */
export function paramText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
