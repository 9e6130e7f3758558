// Every code point through our normaliser and pre-tokeniser and the reference's: the Unicode tables must agree.
import { bertNormalizer, bertPreTokenizer } from 'tokenizers';
import { describe, expect, it } from 'vitest';

import { normalize, resolveNormalizerOptions, type NormalizerOptions } from '../../../nlp/tokenizer/normalizer';
import { preTokenize } from '../../../nlp/tokenizer/pre-tokenizer';
import { allCodePoints, perCodePoint } from './unicode-oracle';

const codePoints = allCodePoints();

function disagreements(options: NormalizerOptions): string[] {
  const reference = bertNormalizer(options);
  const theirs = perCodePoint(codePoints, (text) => reference.normalizeString(text));
  const ours = perCodePoint(codePoints, (text) => normalize(text, options));
  return codePoints
    .filter((c) => theirs.get(c) !== ours.get(c))
    .map((c) => `U+${c.toString(16)}: ${JSON.stringify(theirs.get(c))} vs ${JSON.stringify(ours.get(c))}`);
}

describe('Unicode coverage against tokenizers@0.23.2, all 1.1M code points', () => {
  it('normalises each code point the same way (all steps on)', () => {
    expect(disagreements(resolveNormalizerOptions({}))).toEqual([]);
  });

  it('normalises each code point the same way (accent stripping and lowercasing only)', () => {
    expect(disagreements(resolveNormalizerOptions({ cleanText: false, handleChineseChars: false }))).toEqual([]);
  });

  it('pre-tokenises each code point the same way', () => {
    const reference = bertPreTokenizer();
    const differences: string[] = [];
    for (let i = 0; i < codePoints.length; i += 4096) {
      // Each code point between two letters, separated by spaces: "bXb bYb ...".
      const text = codePoints
        .slice(i, i + 4096)
        .map((c) => `b${String.fromCodePoint(c)}b`)
        .join(' ');
      const theirs = reference.preTokenizeString(text).map(([word]) => word);
      const ours = preTokenize(text);
      if (JSON.stringify(theirs) !== JSON.stringify(ours)) differences.push(`block from U+${codePoints[i]!.toString(16)}`);
    }
    expect(differences).toEqual([]);
  });
});
