// `kiln setup status` / `kiln doctor`: which TF.js backends this clone can use and, for the native ones, what is
// missing and the command that fixes it. Files only unless `load` is set, so it answers at once.
import { createRequire } from 'node:module';
import path from 'node:path';

import { SetupError } from './errors';
import { findTarget, tensorflowCacheDir, variantLayout, type SetupRoots } from './paths';
import { TENSORFLOW_VERSION, TFJS_NODE_PACKAGES, TFJS_NODE_VERSION, type TfVariant } from './pins';
import { buildToolChecks, diskCheck, npmCheck, type Check } from './preflight';
import { inspectSetup, type SetupState } from './state';
import { loadInChild } from './verify';

export interface BackendStatus {
  name: 'wasm' | 'cpu' | 'tfjs-node' | 'tfjs-node-gpu';
  available: boolean;
  /** What is installed, or why it cannot be used. */
  detail: string;
  fix?: string;
  /** Native backends: where setup stands. */
  setup?: SetupState | 'unsupported';
  /** With `load`: TF_Version the package reported in a child process. */
  loadedTensorflow?: string;
}

export interface SetupStatus {
  backends: BackendStatus[];
  /** What `kiln setup tensorflow` needs from this machine. */
  checks: Check[];
  cacheDir: string;
}

export interface StatusOptions {
  roots: SetupRoots;
  env?: NodeJS.ProcessEnv;
  /** Load each set-up native package in a child process (seconds) and report its TF_Version. */
  load?: boolean;
  /** Whether a GPU is visible; injected by tests. Default: nlp/backend.ts's check, loaded only when needed. */
  gpuVisible?: () => Promise<boolean>;
}

export async function setupStatus(options: StatusOptions): Promise<SetupStatus> {
  const env = options.env ?? process.env;
  const gpuVisible = options.gpuVisible ?? (async () => (await import('../nlp/native-env')).gpuVisible());
  const backends = [
    jsBackend(options.roots, 'wasm'),
    jsBackend(options.roots, 'cpu'),
    await nativeBackend(options, 'cpu', gpuVisible),
    await nativeBackend(options, 'gpu', gpuVisible),
  ];
  const cpuTarget = findTarget('cpu');
  const checks = [npmCheck(env), ...buildToolChecks(env)];
  if (typeof cpuTarget !== 'string') checks.push(await diskCheck(tensorflowCacheDir(options.roots), cpuTarget.diskBytes));
  return { backends, checks, cacheDir: tensorflowCacheDir(options.roots) };
}

function jsBackend(roots: SetupRoots, name: 'wasm' | 'cpu'): BackendStatus {
  const pkg = `@tensorflow/tfjs-backend-${name}`;
  try {
    const require = createRequire(path.join(roots.kilnRoot, 'package.json'));
    const { version } = require(`${pkg}/package.json`) as { version: string };
    return { name, available: true, detail: `${pkg} ${version}${name === 'cpu' ? ' (plain JavaScript kernels: slow, a last resort)' : ''}` };
  } catch {
    return { name, available: false, detail: `${pkg} is not installed in ${roots.kilnRoot}/node_modules`, fix: `npm install (in ${roots.kilnRoot})` };
  }
}

async function nativeBackend(options: StatusOptions, variant: TfVariant, gpuVisible: () => Promise<boolean>): Promise<BackendStatus> {
  const name = variant === 'gpu' ? 'tfjs-node-gpu' : 'tfjs-node';
  const command = `kiln setup tensorflow${variant === 'gpu' ? ' --gpu' : ''}`;
  const target = findTarget(variant);
  if (typeof target === 'string') return { name, available: false, detail: target, setup: 'unsupported' };
  const layout = variantLayout(options.roots, variant);
  const inspection = await inspectSetup(options.roots, layout);
  const { state, problems } = inspection;
  if (state === 'not-set-up') {
    const cost = `setup downloads about ${variant === 'gpu' ? '760' : '390'} MB and compiles for a minute`;
    return { name, available: false, setup: state, detail: `${problems[0] ?? 'not set up'}; ${cost}`, fix: command };
  }
  if (state === 'pruned') return { name, available: false, setup: state, detail: `${problems[0]}; setting it up again takes seconds`, fix: command };
  if (state === 'incomplete') return { name, available: false, setup: state, detail: problems.join('; '), fix: `${command}${problems.some((p) => p.includes('cache lacks')) ? ' --force' : ''}` };

  const detail = `TensorFlow ${TENSORFLOW_VERSION}, ${TFJS_NODE_PACKAGES[variant]} ${TFJS_NODE_VERSION} (napi-v${inspection.marker!.napiVersion}) in ${layout.packageDir}, library in ${layout.dir}`;
  const status: BackendStatus = { name, available: true, setup: state, detail };
  if (options.load) {
    try {
      status.loadedTensorflow = (await loadInChild(options.roots.kilnRoot, layout.packageName, options.env)).tensorflow;
    } catch (error) {
      if (!(error instanceof SetupError)) throw error;
      return { ...status, available: false, detail: `set up, but ${error.message}`, fix: `${command} --force` };
    }
  }
  if (variant === 'gpu' && !(await gpuVisible())) {
    return { ...status, available: false, detail: `set up (${detail}), but no GPU is visible (no /dev/nvidia0, or CUDA_VISIBLE_DEVICES hides it)` };
  }
  return status;
}
