// What native TensorFlow reads from the environment when it loads. Kept apart from backend.ts so that the
// activity's main thread can prepare it before starting a training thread without loading TF.js itself.
import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isMainThread } from 'node:worker_threads';

/**
 * Threads native TensorFlow computes with: `KILN_THREADS` when set, else every core. TensorFlow reads it once per
 * process (its intra-op pool is global), so a worker's training steps all run with the count it started with.
 */
export function nativeThreads(): number {
  const raw = process.env.KILN_THREADS?.trim();
  if (!raw) return availableParallelism();
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`KILN_THREADS must be a positive integer (got '${raw}')`);
  return n;
}

/**
 * Sets what TensorFlow reads from the environment when it loads: the thread count, deterministic kernels (so a
 * resumed run reaches the same bits), and quiet start-up logs. Only the main thread's process.env reaches the C
 * library (a worker thread's is a copy), so the main thread calls this before any thread loads tfjs-node.
 */
export function prepareNativeEnvironment(): void {
  if (!isMainThread) return;
  const threads = String(nativeThreads());
  process.env.TF_NUM_INTRAOP_THREADS = threads;
  process.env.TF_NUM_INTEROP_THREADS = '1'; // eager ops run one after another; a second pool only adds threads
  process.env.OMP_NUM_THREADS ??= threads;
  process.env.TF_DETERMINISTIC_OPS = '1';
  process.env.TF_CPP_MIN_LOG_LEVEL ??= process.env.KILN_LOG_LEVEL === 'DEBUG' ? '0' : '2';
}

/** A GPU the CUDA driver exposes (checked before importing tfjs-node-gpu, which cannot be unloaded). */
export function gpuVisible(): boolean {
  const visible = process.env.CUDA_VISIBLE_DEVICES;
  if (visible !== undefined && (visible.trim() === '' || visible.trim() === '-1')) return false;
  try {
    return existsSync('/dev/nvidia0') || readdirSync('/proc/driver/nvidia/gpus').length > 0;
  } catch {
    return false;
  }
}
