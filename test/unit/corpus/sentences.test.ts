import { describe, expect, it } from 'vitest';

import { normalizeWhitespace, splitSentences, textToSentences } from '../../../nlp/corpus/sentences';

describe('splitSentences', () => {
  it('splits on . ? ! before a capital, a digit or a quote', () => {
    expect(splitSentences('It rained. We stayed in? Yes! 1990 was dry. "Good," she said.')).toEqual([
      'It rained.',
      'We stayed in?',
      'Yes!',
      '1990 was dry.',
      '"Good," she said.',
    ]);
  });

  it('keeps titles, initials, dotted abbreviations and decimals inside the sentence', () => {
    expect(splitSentences('Mr. Smith met Dr. Jones at St. Paul. The U.S. Senate voted. John F. Kennedy spoke.')).toEqual([
      'Mr. Smith met Dr. Jones at St. Paul.',
      'The U.S. Senate voted.',
      'John F. Kennedy spoke.',
    ]);
    expect(splitSentences('Growth was 3.5 percent. Prices rose by 2.25 points.')).toEqual([
      'Growth was 3.5 percent.',
      'Prices rose by 2.25 points.',
    ]);
  });

  it('treats "No." as an abbreviation only before a number', () => {
    expect(splitSentences('See No. 5 for details. No. That is wrong.')).toEqual(['See No. 5 for details.', 'No.', 'That is wrong.']);
  });

  it('keeps closing quotes and brackets with the sentence they end', () => {
    expect(splitSentences('He said "Stop." Then he left. (It was late.) "Why?" He did not answer.')).toEqual([
      'He said "Stop."',
      'Then he left.',
      '(It was late.)',
      '"Why?"',
      'He did not answer.',
    ]);
    expect(splitSentences('\u201cReally?\u201d \u201cYes.\u201d')).toEqual(['\u201cReally?\u201d', '\u201cYes.\u201d']);
  });

  it('does not split before a lowercase word', () => {
    expect(splitSentences('"Who is there?" asked the guard. Nobody answered!')).toEqual([
      '"Who is there?" asked the guard.',
      'Nobody answered!',
    ]);
  });

  it('normalises whitespace and drops empty sentences', () => {
    expect(splitSentences('  One\tsentence\u00a0here.\n\nTwo\u200b here.   ')).toEqual(['One sentence here.', 'Two here.']);
    expect(splitSentences('   \n\t ')).toEqual([]);
    expect(normalizeWhitespace(' a\r\n b\u2003c\ufeff ')).toBe('a b c');
  });
});

describe('textToSentences', () => {
  it('joins the lines of a paragraph and keeps paragraphs apart', () => {
    expect(textToSentences('The first line\ncontinues here. A second\nsentence.\n\nNew paragraph')).toEqual([
      'The first line continues here.',
      'A second sentence.',
      'New paragraph',
    ]);
  });
});
