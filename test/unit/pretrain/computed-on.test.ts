import { describe, expect, it } from 'vitest';

import { computedOnChange } from '../../../nlp/bert/train-checkpoint';

describe('resuming where a checkpoint was computed', () => {
  it('is silent on the same backend and thread count, and for checkpoints that do not say', () => {
    expect(computedOnChange({ backend: 'tfjs-node', threads: 2 }, { backend: 'tfjs-node', threads: 2 })).toBeNull();
    expect(computedOnChange(undefined, { backend: 'wasm', threads: 1 })).toBeNull();
  });

  it('warns that bits will differ when the backend or the thread count changed', () => {
    expect(computedOnChange({ backend: 'tfjs-node', threads: 2 }, { backend: 'tfjs-node', threads: 3 })).toBe(
      'warning: the checkpoint was computed on tfjs-node with 2 thread(s), this attempt runs on tfjs-node with 3: training continues, ' +
        'but its weights will differ in the last bits from an uninterrupted run (pin the backend and KILN_THREADS on every worker for bit-exact resume)',
    );
    expect(computedOnChange({ backend: 'wasm', threads: 1 }, { backend: 'tfjs-node', threads: 1 })).toMatch(/computed on wasm .* runs on tfjs-node/);
  });
});
