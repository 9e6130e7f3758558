// corpus/download@v1's `with` at the activity edge: its schema is the only definition (defaults, checks, messages).
import { describe, expect, it } from 'vitest';

import { resolveStepInputs } from '../../../compiler/step-inputs';
import type { Json } from '../../../contract/json';

function problems(raw: { [key: string]: Json }): string[] {
  const result = resolveStepInputs('corpus/download@v1', raw);
  return 'problems' in result ? result.problems.map((p) => `${p.path}: ${p.message}`) : [];
}

describe('corpus/download@v1 inputs', () => {
  it('applies defaults, including those of the matching source form', () => {
    expect(resolveStepInputs('corpus/download@v1', { sources: [{ dataset: 'sotu', limit: 3 }, { url: 'https://x.org/a.txt' }, { file: 'a.txt', format: 'documents' }] })).toEqual({
      inputs: {
        sources: [{ dataset: 'sotu', limit: 3 }, { url: 'https://x.org/a.txt', format: 'text' }, { file: 'a.txt', format: 'documents' }],
        min_sentence_chars: 1,
      },
    });
  });

  it('says where the input is wrong', () => {
    expect(problems({ sources: [] })).toEqual(['with.sources: must not be empty']);
    expect(problems({ sources: [{ dataset: 'wiki' }] })).toEqual(['with.sources[0].dataset: must be one of: sotu, brown, moby-dick (got "wiki")']);
    expect(problems({ sources: [{ dataset: 'brown' }, { url: 'ftp://x' }] })).toEqual(['with.sources[1].url: must match the pattern ^https?:// (got "ftp://x")']);
    expect(problems({ sources: [{ file: 'a', sha256: 'abc' }] })).toEqual(['with.sources[0].sha256: must be 64 lowercase hex digits (got "abc")']);
    expect(problems({ sources: [{ file: 'a', limit: 2 }] })).toEqual(['with.sources[0].limit: unknown key "limit"']);
    expect(problems({ sources: [{ dataset: 'sotu' }], min_sentence_chars: -1 })).toEqual(['with.min_sentence_chars: must be >= 0 (got -1)']);
  });
});
