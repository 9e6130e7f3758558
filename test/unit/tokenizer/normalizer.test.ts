import { describe, expect, it } from 'vitest';

import { normalize, resolveNormalizerOptions, type NormalizerOptions } from '../../../nlp/tokenizer/normalizer';

const OFF: NormalizerOptions = { cleanText: false, handleChineseChars: false, stripAccents: false, lowercase: false };
const only = (step: keyof NormalizerOptions): NormalizerOptions => ({ ...OFF, [step]: true });

describe('resolveNormalizerOptions', () => {
  it('defaults to BERT uncased, with strip_accents following lowercase', () => {
    expect(resolveNormalizerOptions()).toEqual({ cleanText: true, handleChineseChars: true, stripAccents: true, lowercase: true });
    expect(resolveNormalizerOptions({ lowercase: false }).stripAccents).toBe(false);
    expect(resolveNormalizerOptions({ lowercase: false, stripAccents: null }).stripAccents).toBe(false);
    expect(resolveNormalizerOptions({ lowercase: false, stripAccents: true }).stripAccents).toBe(true);
    expect(resolveNormalizerOptions({ lowercase: true, stripAccents: false }).stripAccents).toBe(false);
  });
});

describe('clean_text', () => {
  it('drops control and format characters and U+FFFD', () => {
    expect(normalize('a\u0000b\u0007c\ufffdd\u200be\u00adf\ufeffg\u001bh', only('cleanText'))).toBe('abcdefgh');
  });

  it('turns tab, newline, CR and Unicode spaces into plain spaces', () => {
    expect(normalize('a\tb\nc\r\nd\u00a0e\u3000f\u2003g', only('cleanText'))).toBe('a b c  d e f g');
  });

  it('drops the control characters that are also whitespace (VT, FF, NEL)', () => {
    expect(normalize('a\u000bb\u000cc\u0085d', only('cleanText'))).toBe('abcd');
  });

  it('makes a lone surrogate U+FFFD, which it then drops', () => {
    expect(normalize('a\ud800b', only('cleanText'))).toBe('ab');
    expect(normalize('a\ud800b', OFF)).toBe('a\ufffdb');
  });
});

describe('handle_chinese_chars', () => {
  it('puts spaces around CJK ideographs, including the extension planes', () => {
    expect(normalize('ab中文cd', only('handleChineseChars'))).toBe('ab 中  文 cd');
    expect(normalize('x𠀀y', only('handleChineseChars'))).toBe('x 𠀀 y');
  });

  it('leaves kana, hangul and CJK punctuation alone', () => {
    expect(normalize('ひらがなカタカナ한국어。', only('handleChineseChars'))).toBe('ひらがなカタカナ한국어。');
  });
});

describe('strip_accents', () => {
  it('decomposes and drops nonspacing marks', () => {
    expect(normalize('Héllo Ça naïve e\u0301', only('stripAccents'))).toBe('Hello Ca naive e');
  });

  it('keeps letters that have no decomposition', () => {
    expect(normalize('ø ł đ ß', only('stripAccents'))).toBe('ø ł đ ß');
  });
});

describe('lowercase', () => {
  it('lowercases character by character: a word-final Σ becomes σ, not ς', () => {
    expect(normalize('ΣΑΣ HELLO', only('lowercase'))).toBe('σασ hello');
  });

  it('keeps the dot of İ unless accents are stripped', () => {
    expect(normalize('İ', only('lowercase'))).toBe('i\u0307');
    expect(normalize('İ', { ...OFF, lowercase: true, stripAccents: true })).toBe('i');
  });
});

describe('normalize', () => {
  it('applies nothing when every step is off', () => {
    expect(normalize('Héllo\tWörld 中文', OFF)).toBe('Héllo\tWörld 中文');
  });

  it('runs all steps in BERT order', () => {
    expect(normalize('Héllo,\tWÖRLD\u0000中文!', resolveNormalizerOptions())).toBe('hello, world 中  文 !');
  });
});
