// A slice-copying Unpack (tf.unstack) for wasm. The stock kernel slices once per output and every
// slice reads the WHOLE input out of the wasm heap: O(n²) copying, ≈ 350 ms per BERT-tiny step
// once attention is split per head.
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

let patched = false;

/** Replaces wasm's Unpack for axis 0 (what per-head attention uses); other axes use the stock kernel. */
export function patchWasmUnpack(): void {
  if (patched) return;
  const stock = tf.getKernel('Unpack', 'wasm');
  if (!stock) throw new Error("the wasm backend has no 'Unpack' kernel to patch; is @tensorflow/tfjs-backend-wasm imported?");
  tf.unregisterKernel('Unpack', 'wasm');
  tf.registerKernel({
    kernelName: 'Unpack',
    backendName: 'wasm',
    kernelFunc: (config) => {
      const value = (config.inputs as { value: tf.TensorInfo }).value;
      const { axis } = config.attrs as unknown as { axis: number };
      const rank = value.shape.length;
      if ((axis < 0 ? axis + rank : axis) !== 0 || value.dtype === 'string') return stock.kernelFunc(config);
      const backend = config.backend as BackendWasm;
      const n = value.shape[0]!;
      const outShape = value.shape.slice(1);
      const inner = tf.util.sizeFromShape(outShape);
      const outs: tf.TensorInfo[] = [];
      for (let i = 0; i < n; i++) {
        const out = backend.makeOutput(outShape, value.dtype);
        // Views are taken after each allocation: a heap growth detaches older ones.
        const src = backend.typedArrayFromHeap(value).subarray(i * inner, (i + 1) * inner);
        backend.typedArrayFromHeap(out).set(src);
        outs.push(out);
      }
      return outs;
    },
  });
  patched = true;
}
