import { describe, expect, it } from 'vitest';
import { byCloseness, closest, levenshtein } from '../../../compiler/suggest';

describe('did-you-mean', () => {
  it('measures edit distance', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('same', 'same')).toBe(0);
  });

  it('suggests plausible typos only', () => {
    const stepKeys = ['uses', 'with', 'needs', 'resources', 'timeout', 'heartbeat_timeout', 'retry', 'cache'];
    expect(closest('retires', stepKeys)).toBe('retry');
    expect(closest('timout', stepKeys)).toBe('timeout');
    expect(closest('Uses', stepKeys)).toBe('uses');
    expect(closest('delta', ['alpha', 'beta', 'gamma'])).toBeUndefined();
    expect(closest('x', ['y'])).toBeUndefined();
    expect(closest('anything', [])).toBeUndefined();
  });

  it('orders candidates closest first, keeping the given order on ties', () => {
    expect(byCloseness('bert/pretrain@v2', ['corpus/download@v1', 'bert/finetune@v1', 'bert/pretrain@v1'])).toEqual([
      'bert/pretrain@v1',
      'bert/finetune@v1',
      'corpus/download@v1',
    ]);
  });
});
