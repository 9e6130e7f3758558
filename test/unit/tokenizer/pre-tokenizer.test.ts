import { describe, expect, it } from 'vitest';

import { preTokenize } from '../../../nlp/tokenizer/pre-tokenizer';

describe('preTokenize', () => {
  it('splits on whitespace and isolates punctuation', () => {
    expect(preTokenize('Hello, world!')).toEqual(['Hello', ',', 'world', '!']);
    expect(preTokenize("don't stop...")).toEqual(['don', "'", 't', 'stop', '.', '.', '.']);
  });

  it('drops every kind of whitespace, however much', () => {
    expect(preTokenize('  a  b\t\nc\u3000d\u2003e\u00a0f ')).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(preTokenize('   ')).toEqual([]);
    expect(preTokenize('')).toEqual([]);
  });

  it('counts all ASCII symbols as punctuation', () => {
    expect(preTokenize('$5+3=8^2|`~')).toEqual(['$', '5', '+', '3', '=', '8', '^', '2', '|', '`', '~']);
  });

  it('isolates non-ASCII punctuation but not other symbols', () => {
    expect(preTokenize('¿Qué?—«sí»…')).toEqual(['¿', 'Qué', '?', '—', '«', 'sí', '»', '…']);
    expect(preTokenize('€100 ©2024 x²')).toEqual(['€100', '©2024', 'x²']);
    expect(preTokenize('中文，标点。')).toEqual(['中文', '，', '标点', '。']);
  });

  it("follows the reference's older Unicode tables: U+2E43 (Unicode 9) is not punctuation yet", () => {
    expect(preTokenize('x\u2e43y x\u166dy')).toEqual(['x\u2e43y', 'x', '\u166d', 'y']);
  });

  it('keeps emoji and format characters inside words', () => {
    expect(preTokenize('a😀b zero\u200bwidth')).toEqual(['a😀b', 'zero\u200bwidth']);
  });
});
