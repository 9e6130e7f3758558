// Picks and initialises the TF.js backend for training, after registering every gradient
// (tfjs-core's Node entry registers none) and kiln's kernel fixes (see nlp/kernels/).
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';

import { registerUnsortedSegmentSum } from './kernels/unsorted-segment-sum';
import { patchWasmUnpack } from './kernels/wasm-unpack';
import { gpuVisible, prepareNativeEnvironment } from './native-env';

export type BackendChoice = 'auto' | 'tfjs-node-gpu' | 'tfjs-node' | 'wasm' | 'cpu';
export type BackendName = Exclude<BackendChoice, 'auto'>;

export interface BackendInfo {
  name: BackendName;
  /** Threads the backend computes with (wasm stays at 1 in Node: its threads need browser workers). */
  threads: number;
  /** wasm: 128-bit SIMD in use; native TensorFlow: true (it vectorises itself); cpu: false. */
  simd: boolean;
  /** Native TensorFlow's version (e.g. "2.18.0"); absent on the JS backends. */
  tensorflow?: string;
  /** Native TensorFlow: whether it computes on a GPU (tfjs-node-gpu without one runs on the CPU). */
  device?: 'gpu' | 'cpu';
}

/** `tfjs-node (TensorFlow 2.18.0 on the CPU, 2 threads)`, `wasm (SIMD, 1 thread)`: for log lines. */
export function describeBackend(info: BackendInfo): string {
  const threads = `${info.threads} thread${info.threads === 1 ? '' : 's'}`;
  if (info.tensorflow) return `${info.name} (TensorFlow ${info.tensorflow} on the ${info.device === 'gpu' ? 'GPU' : 'CPU'}, ${threads})`;
  return `${info.name} (${info.simd ? 'SIMD, ' : ''}${threads})`;
}

/** The backend asked for cannot run here; the message says what to install or choose instead. */
export class BackendUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendUnavailableError';
  }
}

const NATIVE_PACKAGES = { 'tfjs-node-gpu': '@tensorflow/tfjs-node-gpu', 'tfjs-node': '@tensorflow/tfjs-node' } as const;

const GRADIENTS = '@tensorflow/tfjs-core/dist/register_all_gradients';

/**
 * tfjs-core ships its gradients only as extensionless ES modules. Under tsx (`npx tsx`, `node --import tsx`)
 * only require() resolves them; under vitest only import() does (vite resolves them itself); in plain Node (the
 * bundled CLI, bin/kiln) neither does until tsx's require hook is registered.
 */
async function registerGradients(): Promise<void> {
  if (tf.getGradient('Erf')) return;
  const require = createRequire(import.meta.url);
  try {
    require(GRADIENTS);
  } catch {
    try {
      await import(GRADIENTS);
    } catch {
      (await import('tsx/cjs/api')).register();
      require(GRADIENTS);
    }
  }
  if (!tf.getGradient('Erf')) throw new Error(`TF.js gradients could not be registered (${GRADIENTS})`);
}

function registerKernelFixes(): void {
  registerUnsortedSegmentSum('wasm');
  registerUnsortedSegmentSum('cpu');
  patchWasmUnpack();
}

/** Imports a native package, or explains why it cannot be used. Returns null when it is not importable. */
async function importNative(name: 'tfjs-node-gpu' | 'tfjs-node'): Promise<string | null> {
  const pkg: string = NATIVE_PACKAGES[name];
  prepareNativeEnvironment();
  try {
    await import(pkg); // a variable specifier: these packages are optional and usually absent
    return null;
  } catch (err) {
    return err instanceof Error ? err.message.split('\n')[0]! : String(err);
  }
}

async function activate(tfName: string): Promise<boolean> {
  if (!tf.findBackendFactory(tfName)) return false;
  const ok = await tf.setBackend(tfName);
  await tf.ready();
  return ok && tf.getBackend() === tfName;
}

/** `auto` passes over tfjs-node-gpu without a visible GPU; asked for by name, it loads and computes on the CPU. */
async function tryNative(name: 'tfjs-node-gpu' | 'tfjs-node', explicit: boolean): Promise<BackendInfo | string> {
  if (name === 'tfjs-node-gpu' && !explicit && !gpuVisible()) return 'no GPU is visible (no /dev/nvidia0, or CUDA_VISIBLE_DEVICES hides it)';
  const failure = await importNative(name);
  if (failure !== null) return `${NATIVE_PACKAGES[name]} could not be loaded (${failure})`;
  if (!(await activate('tensorflow'))) {
    return `${NATIVE_PACKAGES[name]} loaded but registered no 'tensorflow' backend with this copy of @tensorflow/tfjs-core (versions differ?)`;
  }
  const backend = tf.backend() as unknown as { binding?: { TF_Version?: string }; isUsingGpuDevice?: boolean };
  const threads = Number(process.env.TF_NUM_INTRAOP_THREADS) || availableParallelism();
  return { name, threads, simd: true, tensorflow: backend.binding?.TF_Version, device: backend.isUsingGpuDevice ? 'gpu' : 'cpu' };
}

async function tryWasm(): Promise<BackendInfo | string> {
  if (!(await activate('wasm'))) return '@tensorflow/tfjs-backend-wasm failed to initialise';
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  return { name: 'wasm', threads: getThreadsCount(), simd };
}

async function tryCpu(): Promise<BackendInfo | string> {
  if (!(await activate('cpu'))) return '@tensorflow/tfjs-backend-cpu failed to initialise';
  return { name: 'cpu', threads: 1, simd: false };
}

function installHint(name: BackendName): string {
  switch (name) {
    case 'tfjs-node-gpu':
      return 'run `kiln setup tensorflow --gpu` (TensorFlow 2.18 for CUDA 12; `kiln setup status` says what is missing), or use backend: auto';
    case 'tfjs-node':
      return 'run `kiln setup tensorflow` (builds it against TensorFlow 2.18 from Maven Central; `kiln setup status` says what is missing), or use backend: wasm';
    default:
      return `reinstall @tensorflow/tfjs-backend-${name} (npm ci), or use backend: auto`;
  }
}

async function tryBackend(name: BackendName, explicit: boolean): Promise<BackendInfo | string> {
  if (name === 'wasm') return tryWasm();
  if (name === 'cpu') return tryCpu();
  return tryNative(name, explicit);
}

/**
 * Initialises the backend. `auto` tries tfjs-node-gpu (with a visible GPU), tfjs-node, wasm, then cpu.
 * An explicit choice that cannot run throws BackendUnavailableError naming what to install.
 */
export async function initBackend(choice: BackendChoice): Promise<BackendInfo> {
  await registerGradients();
  registerKernelFixes();
  if (choice !== 'auto') {
    const result = await tryBackend(choice, true);
    if (typeof result === 'string') {
      throw new BackendUnavailableError(`backend '${choice}' is not available: ${result}\nhint: ${installHint(choice)}`);
    }
    return result;
  }
  const reasons: string[] = [];
  for (const name of ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] as const) {
    const result = await tryBackend(name, false);
    if (typeof result !== 'string') return result;
    reasons.push(`${name}: ${result}`);
  }
  throw new BackendUnavailableError(`no TF.js backend could be initialised:\n  ${reasons.join('\n  ')}`);
}
