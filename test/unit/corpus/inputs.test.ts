import { describe, expect, it } from 'vitest';

import { CorpusInputError } from '../../../nlp/corpus/errors';
import { parseCorpusInputs } from '../../../nlp/corpus/inputs';

describe('parseCorpusInputs', () => {
  it('applies defaults', () => {
    expect(parseCorpusInputs({ sources: [{ dataset: 'sotu', limit: 3 }, { url: 'https://x.org/a.txt' }, { file: 'a.txt', format: 'documents' }] })).toEqual({
      sources: [{ dataset: 'sotu', limit: 3 }, { url: 'https://x.org/a.txt', format: 'text' }, { file: 'a.txt', format: 'documents' }],
      minSentenceChars: 1,
    });
  });

  it('says where the input is wrong', () => {
    const cases: Array<[unknown, string]> = [
      [{ sources: [] }, 'with.sources: must be a non-empty list'],
      [{ sources: [{ dataset: 'wiki' }] }, 'with.sources[0].dataset: unknown dataset "wiki"'],
      [{ sources: [{ dataset: 'brown' }, { url: 'ftp://x' }] }, 'with.sources[1].url: ftp://x is not an http(s) url'],
      [{ sources: [{ file: 'a', sha256: 'abc' }] }, 'with.sources[0].sha256: must be 64 lowercase hex digits'],
      [{ sources: [{ file: 'a', limit: 2 }] }, 'with.sources[0]: unknown key limit for a file source'],
      [{ sources: [{ dataset: 'sotu' }], min_sentence_chars: -1 }, 'with.min_sentence_chars: must be an integer >= 0'],
    ];
    for (const [inputs, message] of cases) {
      expect(() => parseCorpusInputs(inputs as never)).toThrow(CorpusInputError);
      expect(() => parseCorpusInputs(inputs as never)).toThrow(message);
    }
  });
});
