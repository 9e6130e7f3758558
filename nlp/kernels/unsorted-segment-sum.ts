// A JS UnsortedSegmentSum kernel, registered for wasm and cpu. gather's gradient needs it:
// wasm has no such kernel at all, and cpu's own loops numSegments times over full-size
// intermediates (vocab × tokens × hidden floats: ≈ 8.6 GB for BERT-tiny), so neither can train.
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

type TypedArray = Float32Array | Int32Array | Uint8Array;

/** out[segment[i], :] += x[i, :]; ids outside [0, numSegments) are dropped, as TF does. */
export function segmentSumInto(
  x: TypedArray,
  segmentIds: TypedArray,
  out: Float32Array,
  inner: number,
  numSegments: number,
): void {
  out.fill(0);
  for (let i = 0; i < segmentIds.length; i++) {
    const s = segmentIds[i]!;
    if (s < 0 || s >= numSegments) continue;
    const xo = i * inner;
    const oo = s * inner;
    for (let j = 0; j < inner; j++) out[oo + j]! += x[xo + j]!;
  }
}

interface SegmentSumArgs {
  x: tf.TensorInfo;
  segmentIds: tf.TensorInfo;
  numSegments: number;
}

function parseArgs(config: Parameters<tf.KernelFunc>[0]): SegmentSumArgs & { outShape: number[]; inner: number } {
  const { x, segmentIds } = config.inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const { numSegments } = config.attrs as unknown as { numSegments: number };
  if (x.dtype !== 'float32') {
    throw new Error(`UnsortedSegmentSum (kiln JS kernel) supports float32 only, got ${x.dtype}`);
  }
  const nIds = tf.util.sizeFromShape(segmentIds.shape);
  const inner = nIds === 0 ? 0 : tf.util.sizeFromShape(x.shape) / nIds;
  const outShape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
  return { x, segmentIds, numSegments, outShape, inner };
}

const wasmKernel: tf.KernelFunc = (config) => {
  const backend = config.backend as BackendWasm;
  const { x, segmentIds, numSegments, outShape, inner } = parseArgs(config);
  // Allocate first: growing the heap detaches views taken earlier.
  const out = backend.makeOutput(outShape, 'float32');
  segmentSumInto(
    backend.typedArrayFromHeap(x) as Float32Array,
    backend.typedArrayFromHeap(segmentIds) as Int32Array,
    backend.typedArrayFromHeap(out) as Float32Array,
    inner,
    numSegments,
  );
  return out;
};

const cpuKernel: tf.KernelFunc = (config) => {
  const backend = config.backend as MathBackendCPU;
  const { x, segmentIds, numSegments, outShape, inner } = parseArgs(config);
  const out = new Float32Array(numSegments * inner);
  segmentSumInto(
    backend.readSync(x.dataId) as Float32Array,
    backend.readSync(segmentIds.dataId) as Int32Array,
    out,
    inner,
    numSegments,
  );
  return backend.makeTensorInfo(outShape, 'float32', out);
};

const registered = new Set<string>();

/** Registers (once) the JS kernel for `backendName` ('wasm' or 'cpu'), replacing any stock one. */
export function registerUnsortedSegmentSum(backendName: 'wasm' | 'cpu'): void {
  if (registered.has(backendName)) return;
  if (tf.getKernel('UnsortedSegmentSum', backendName)) tf.unregisterKernel('UnsortedSegmentSum', backendName);
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName,
    kernelFunc: backendName === 'wasm' ? wasmKernel : cpuKernel,
  });
  registered.add(backendName);
}
