import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it, vi } from 'vitest';

import { initBackend } from '../../../nlp/backend';

describe('backend and kernel fixes', () => {
  for (const name of ['wasm', 'cpu'] as const) {
    it(`${name}: gather's gradient (UnsortedSegmentSum) and unstack give exact results`, async () => {
      const info = await initBackend(name);
      expect(info.name).toBe(name);
      expect(tf.getBackend()).toBe(name);
      const table = tf.variable(tf.tensor2d([[1, 2], [3, 4], [5, 6]]));
      const ids = tf.tensor1d([2, 0, 2, 2], 'int32');
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(tf.gather(table, ids), tf.tensor2d([[1, 1], [2, 2], [3, 3], [4, 4]]))), [table]);
      expect(Array.from(grads[table.name]!.dataSync())).toEqual([2, 2, 0, 0, 8, 8]);

      const parts = tf.unstack(tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]));
      expect(parts.map((p) => Array.from(p.dataSync()))).toEqual([[1, 2, 3, 4], [5, 6, 7, 8]]);
      expect(parts[1]!.shape).toEqual([2, 2]);
      const axis1 = tf.unstack(tf.tensor2d([1, 2, 3, 4], [2, 2]), 1); // falls back to the stock kernel
      expect(axis1.map((p) => Array.from(p.dataSync()))).toEqual([[1, 3], [2, 4]]);
      tf.dispose([table, ids, ...Object.values(grads), ...parts, ...axis1]);
    });
  }

  it('reports SIMD on wasm', async () => {
    expect(await initBackend('wasm')).toEqual({ name: 'wasm', threads: 1, simd: true });
  });

  it('names the setup command when a native backend is missing', async () => {
    vi.resetModules();
    vi.doMock('@tensorflow/tfjs-node', () => {
      throw new Error("Cannot find package '@tensorflow/tfjs-node'");
    });
    try {
      const fresh = await import('../../../nlp/backend');
      const err = await fresh.initBackend('tfjs-node').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(fresh.BackendUnavailableError);
      expect((err as Error).message).toMatch(/backend 'tfjs-node' is not available: @tensorflow\/tfjs-node could not be loaded/);
      expect((err as Error).message).toMatch(/hint: run `kiln setup tensorflow`/);
    } finally {
      vi.doUnmock('@tensorflow/tfjs-node');
      vi.resetModules();
    }
  });
});
