import { describe, expect, it } from 'vitest';

import { SPECIAL_TOKENS, Vocab } from '../../../nlp/tokenizer/vocab';
import { DEFAULT_WORDPIECE_OPTIONS, WordPiece } from '../../../nlp/tokenizer/wordpiece';

// Ids: [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, [MASK] 4, then the pieces from 5.
function wordPiece(pieces: string[], maxInputCharsPerWord = 100): { wp: WordPiece; tokens: (word: string) => string[] } {
  const vocab = Vocab.fromTokens([...SPECIAL_TOKENS, ...pieces]);
  const wp = new WordPiece(vocab, { ...DEFAULT_WORDPIECE_OPTIONS, maxInputCharsPerWord });
  return { wp, tokens: (word) => wp.tokenizeWord(word).map((id) => vocab.token(id)) };
}

describe('WordPiece', () => {
  it('takes the longest prefix, then ## continuations', () => {
    const { wp, tokens } = wordPiece(['un', '##want', '##ed', 'wa', '##nt', 'want', 'runn', '##ing']);
    expect(wp.tokenizeWord('unwanted')).toEqual([5, 6, 7]);
    expect(tokens('wanted')).toEqual(['want', '##ed']);
    expect(tokens('running')).toEqual(['runn', '##ing']);
  });

  it('is greedy: it does not backtrack when the rest cannot match', () => {
    // "ab" + "##cd" fails on "##cd"; "a" + "##bcd" would have worked.
    const { tokens } = wordPiece(['ab', 'a', '##bcd', '##c']);
    expect(tokens('abcd')).toEqual(['[UNK]']);
    expect(tokens('abc')).toEqual(['ab', '##c']);
  });

  it('makes a whole word [UNK] when any part is unmatchable', () => {
    const { tokens } = wordPiece(['un', '##want']);
    expect(tokens('unwantedx')).toEqual(['[UNK]']);
    expect(tokens('x')).toEqual(['[UNK]']);
  });

  it('makes words over the limit [UNK], counting code points', () => {
    const { tokens } = wordPiece(['a', '##a', '😀', '##😀']);
    expect(tokens('a'.repeat(100))).toEqual(['a', ...new Array(99).fill('##a')]);
    expect(tokens('a'.repeat(101))).toEqual(['[UNK]']);
    // 100 emoji are 200 UTF-16 units but 100 characters.
    expect(tokens('😀'.repeat(100))).toHaveLength(100);
    expect(tokens('😀'.repeat(101))).toEqual(['[UNK]']);
    expect(wordPiece(['a', '##a'], 3).tokens('aaaa')).toEqual(['[UNK]']);
  });

  it('never splits a surrogate pair', () => {
    const { tokens } = wordPiece(['x', '##😀', '##y']);
    expect(tokens('x😀y')).toEqual(['x', '##😀', '##y']);
    expect(tokens('x😀z')).toEqual(['[UNK]']);
  });

  it('gives the same ids on a repeated (cached) word', () => {
    const { wp } = wordPiece(['un', '##want', '##ed']);
    expect(wp.tokenizeWord('unwanted')).toEqual(wp.tokenizeWord('unwanted'));
  });
});
