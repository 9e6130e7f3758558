// Where `kiln setup tensorflow` keeps things: a cache shared by every clone and KILN_HOME (the downloaded library,
// the headers, the compiled binding), and the npm package inside this clone's node_modules that links to it.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { kilnCacheDir } from '../store/paths';
import { SetupError } from './errors';
import { SUPPORTED_TARGETS, TARGETS, TENSORFLOW_VERSION, TFJS_NODE_PACKAGES, type TargetPin, type TfVariant } from './pins';

/** The two places setup writes to; tests pass temporary ones. */
export interface SetupRoots {
  /** The directory holding kiln's package.json (and node_modules). */
  kilnRoot: string;
  /** kiln's cache, `${XDG_CACHE_HOME:-~/.cache}/kiln`. */
  cacheRoot: string;
}

export interface VariantLayout {
  variant: TfVariant;
  /** e.g. `linux-x64`. */
  platform: string;
  target: TargetPin;
  packageName: string;
  /** `<cache>/tensorflow/tf-2.18.0-cpu-linux-x64`: lib/, include/, bindings/, setup.json, build.log. */
  dir: string;
  libDir: string;
  includeDir: string;
  marker: string;
  buildLog: string;
  /** The package in this clone's node_modules, and its `deps` link to `dir`. */
  packageDir: string;
  depsLink: string;
}

export function defaultRoots(env: NodeJS.ProcessEnv = process.env): SetupRoots {
  return { kilnRoot: findKilnRoot(), cacheRoot: kilnCacheDir(env) };
}

/** The nearest directory above this file with a package.json: the clone (or installed copy) of kiln. */
export function findKilnRoot(from = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export function tensorflowCacheDir(roots: SetupRoots): string {
  return path.join(roots.cacheRoot, 'tensorflow');
}

/** Headers are the same for every variant and platform, so they are fetched once. */
export function sharedHeadersDir(roots: SetupRoots): string {
  return path.join(tensorflowCacheDir(roots), `headers-${TENSORFLOW_VERSION}`);
}

/** Temporary downloads (`*.partial` while in flight); removed once extracted. */
export function downloadsDir(roots: SetupRoots): string {
  return path.join(tensorflowCacheDir(roots), 'downloads');
}

export function setupLockPath(roots: SetupRoots): string {
  return path.join(tensorflowCacheDir(roots), '.setup.lock');
}

/** The target for this variant on this machine, or why there is none. */
export function findTarget(variant: TfVariant, platform: string = process.platform, arch: string = process.arch): TargetPin | string {
  const target = TARGETS[`${platform}-${arch}-${variant}`];
  if (target) return target;
  return `TensorFlow ${TENSORFLOW_VERSION}${variant === 'gpu' ? ' with GPU support' : ''} is not available for ${platform} ${arch} (supported: ${SUPPORTED_TARGETS})`;
}

export function variantLayout(roots: SetupRoots, variant: TfVariant, platform: string = process.platform, arch: string = process.arch): VariantLayout {
  const target = findTarget(variant, platform, arch);
  if (typeof target === 'string') throw new SetupError(target, 'the wasm backend (the default) runs everywhere: `kiln setup status`');
  const dir = path.join(tensorflowCacheDir(roots), `tf-${TENSORFLOW_VERSION}-${variant}-${platform}-${arch}`);
  const packageName = TFJS_NODE_PACKAGES[variant];
  const packageDir = path.join(roots.kilnRoot, 'node_modules', ...packageName.split('/'));
  return {
    variant,
    platform: `${platform}-${arch}`,
    target,
    packageName,
    dir,
    libDir: path.join(dir, 'lib'),
    includeDir: path.join(dir, 'include'),
    marker: path.join(dir, 'setup.json'),
    buildLog: path.join(dir, 'build.log'),
    packageDir,
    depsLink: path.join(packageDir, 'deps'),
  };
}

/** The compiled binding kept in the cache, so reinstalling the npm package needs no compiler. */
export function cachedBindingPath(layout: VariantLayout, napiVersion: number): string {
  return path.join(layout.dir, 'bindings', `napi-v${napiVersion}`, 'tfjs_binding.node');
}

/** Where the package's runtime (node-pre-gyp's `find`) looks for the binding. */
export function packageBindingPath(layout: VariantLayout, napiVersion: number): string {
  return path.join(layout.packageDir, 'lib', `napi-v${napiVersion}`, 'tfjs_binding.node');
}
