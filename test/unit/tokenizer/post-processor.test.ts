import { describe, expect, it } from 'vitest';

import { PostProcessor } from '../../../nlp/tokenizer/post-processor';

const post = new PostProcessor({ id: 101, token: '[CLS]' }, { id: 102, token: '[SEP]' });

describe('PostProcessor', () => {
  it('wraps one sequence as [CLS] A [SEP], all segment 0', () => {
    expect(post.process({ ids: [7, 8], tokens: ['a', '##b'] })).toEqual({
      ids: [101, 7, 8, 102],
      tokens: ['[CLS]', 'a', '##b', '[SEP]'],
      segmentIds: [0, 0, 0, 0],
    });
  });

  it('wraps a pair as [CLS] A [SEP] B [SEP], B and its [SEP] in segment 1', () => {
    expect(post.process({ ids: [7], tokens: ['a'] }, { ids: [9, 10], tokens: ['c', 'd'] })).toEqual({
      ids: [101, 7, 102, 9, 10, 102],
      tokens: ['[CLS]', 'a', '[SEP]', 'c', 'd', '[SEP]'],
      segmentIds: [0, 0, 0, 1, 1, 1],
    });
  });

  it('handles empty sequences and very long ones', () => {
    expect(post.process({ ids: [], tokens: [] }, { ids: [], tokens: [] }).ids).toEqual([101, 102, 102]);
    const long = new Array<number>(300_000).fill(5);
    expect(post.process({ ids: long, tokens: long.map(String) }).ids).toHaveLength(300_002);
  });

  it('says how many tokens it adds', () => {
    expect([post.addedTokens(false), post.addedTokens(true)]).toEqual([2, 3]);
  });
});
