// `kiln setup tensorflow [--gpu]`: headers from PyPI, the C library from Maven Central, the npm package without its
// install script, the binding compiled against both, then a load in a child process. Each step is skipped when
// its result is already in place, so the run after an `npm install` pruned the package takes seconds.
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

import { describeHolder, withFileLock } from '../system/file-lock';
import { replaceWithSymlink } from './atomic';
import { buildBinding, installCachedBinding } from './build-binding';
import { SetupError } from './errors';
import { fetchLibrary, jarUrl, mavenRepository } from './maven';
import { installPackage, napiBuildVersion, readPackageJson } from './npm-package';
import { cachedBindingPath, defaultRoots, findTarget, setupLockPath, sharedHeadersDir, tensorflowCacheDir, variantLayout, type SetupRoots, type VariantLayout } from './paths';
import { HEADERS_WHEEL, TENSORFLOW_VERSION, TFJS_NODE_NAPI_VERSIONS, TFJS_NODE_VERSION, type TfVariant } from './pins';
import { buildToolChecks, diskCheck, npmCheck, requirePassing, type Check } from './preflight';
import { consoleReporter, type SetupReporter } from './progress';
import { fetchHeaders, linkHeaders } from './pypi-headers';
import { inspectSetup, readMarker, writeMarker, type SetupMarker } from './state';
import { loadInChild } from './verify';

export interface SetupOptions {
  variant: TfVariant;
  /** Redo every step, even those whose results are in place. */
  force?: boolean;
  roots?: SetupRoots;
  env?: NodeJS.ProcessEnv;
  reporter?: SetupReporter;
}

export interface SetupResult {
  alreadySetUp: boolean;
  layout: VariantLayout;
  marker?: SetupMarker;
}

const HEADERS_DISK_BYTES = 300e6; // the wheel while its headers are read

export async function setupTensorflow(options: SetupOptions): Promise<SetupResult> {
  const env = options.env ?? process.env;
  const roots = options.roots ?? defaultRoots(env);
  const reporter = options.reporter ?? consoleReporter();
  const layout = variantLayout(roots, options.variant);
  // The fast path reads files only: no lock, no child process.
  if (!options.force) {
    const inspection = await inspectSetup(roots, layout);
    if (inspection.state === 'ready') return { alreadySetUp: true, layout, marker: inspection.marker };
  }
  const lockOptions = {
    waitMs: 60 * 60_000,
    staleMs: 2 * 60 * 60_000,
    what: 'to finish setting up TensorFlow',
    onWait: (pid: number) => reporter.line(`waiting for ${describeHolder(pid).replace('another kiln process', 'another kiln setup')}…`),
  };
  return withFileLock(setupLockPath(roots), lockOptions, async () => {
    // Whoever held the lock may have just done it all.
    const inspection = options.force ? undefined : await inspectSetup(roots, layout);
    if (inspection?.state === 'ready') return { alreadySetUp: true, layout, marker: inspection.marker };
    return runSteps(roots, layout, { ...options, env, reporter });
  });
}

async function runSteps(roots: SetupRoots, layout: VariantLayout, options: SetupOptions & { env: NodeJS.ProcessEnv; reporter: SetupReporter }): Promise<SetupResult> {
  const { env, reporter, force = false } = options;
  const installed = await readPackageJson(layout.packageDir);
  // Before npm has run, the pinned napi_versions say which binding the package will load.
  const expectedNapi = napiBuildVersion(installed ?? { binary: { napi_versions: TFJS_NODE_NAPI_VERSIONS } });
  const needs = {
    headers: force || !existsSync(path.join(sharedHeadersDir(roots), 'include', 'tensorflow', 'c', 'c_api.h')),
    library: force || !existsSync(layout.libDir),
    npm: force || installed?.version !== TFJS_NODE_VERSION,
    build: force || expectedNapi === undefined || !existsSync(cachedBindingPath(layout, expectedNapi)),
  };
  const checks: Check[] = [];
  if (needs.npm) checks.push(npmCheck(env));
  if (needs.build) checks.push(...buildToolChecks(env));
  if (needs.headers || needs.library) {
    checks.push(await diskCheck(tensorflowCacheDir(roots), (needs.library ? layout.target.diskBytes : 0) + (needs.headers ? HEADERS_DISK_BYTES : 0)));
  }
  requirePassing(checks);

  reporter.line(`Setting up TensorFlow ${TENSORFLOW_VERSION} (${layout.variant}) for ${layout.packageName} ${TFJS_NODE_VERSION}; cache ${layout.dir}`);
  await fs.mkdir(layout.dir, { recursive: true });
  await fs.rm(layout.marker, { force: true }); // until the end, the cache does not claim to be complete
  const steps: Record<string, number> = {};
  const step = async <T>(name: string, title: string, run: () => Promise<T>): Promise<T> => {
    reporter.line(`${name}: ${title}`);
    const started = performance.now();
    const result = await run();
    steps[name] = Math.round(performance.now() - started) / 1000;
    reporter.line(`  ${name} done in ${steps[name]!.toFixed(1)} s`);
    return result;
  };

  if (needs.headers) await step('headers', `TensorFlow's C headers from the ${HEADERS_WHEEL.project} wheel`, () => fetchHeaders(roots, env, reporter));
  await linkHeaders(roots, layout.includeDir);
  if (needs.library) await step('library', `libtensorflow from ${jarUrl(mavenRepository(env), layout.target.jar.classifier)}`, () => fetchLibrary(roots, layout, env, reporter));
  if (needs.npm) {
    await step('npm', `${layout.packageName}@${TFJS_NODE_VERSION} into ${roots.kilnRoot}/node_modules`, () => installPackage(roots.kilnRoot, layout.packageName, env, reporter));
    await relinkOtherVariant(roots, layout.variant, reporter);
  }
  // binding.gyp and the binding's rpath both look in the package's deps/: link it to the cache.
  await replaceWithSymlink(layout.depsLink, layout.dir);

  const napiVersion = napiBuildVersion((await readPackageJson(layout.packageDir)) ?? {});
  if (napiVersion === undefined) {
    throw new SetupError(`this Node.js supports N-API ${process.versions.napi}; ${layout.packageName} needs one of ${TFJS_NODE_NAPI_VERSIONS.join(', ')}`, 'use Node.js 20.19 or newer');
  }
  if (force || !existsSync(cachedBindingPath(layout, napiVersion))) {
    await step('build', `tfjs_binding for N-API ${napiVersion}`, () => buildBinding({ layout, napiVersion, env, reporter }));
  }
  await installCachedBinding(layout, napiVersion);
  const loaded = await step('verify', `loading ${layout.packageName} in a child process`, () => loadInChild(roots.kilnRoot, layout.packageName, env));
  reporter.line(`  TF_Version ${loaded.tensorflow}, backend '${loaded.backend}', 2x2 matmul ok`);

  const jar = layout.target.jar;
  const marker: SetupMarker = {
    tensorflow: TENSORFLOW_VERSION,
    package: layout.packageName,
    packageVersion: TFJS_NODE_VERSION,
    variant: layout.variant,
    platform: layout.platform,
    napiVersion,
    library: { url: jarUrl(mavenRepository(env), jar.classifier), bytes: jar.bytes, sha1: jar.sha1, sha256: jar.sha256 },
    headers: { dir: sharedHeadersDir(roots), wheel: HEADERS_WHEEL.filename, sha256: HEADERS_WHEEL.sha256 },
    verified: { tensorflow: loaded.tensorflow, packageVersion: loaded.packageVersion },
    steps,
    completedAt: new Date().toISOString(),
  };
  await writeMarker(layout, marker);
  return { alreadySetUp: false, layout, marker };
}

/**
 * npm reinstalls every native package the install names (and drops extraneous ones it does not), which wipes
 * their `deps` link and binding: put the other variant's back from its cache, without compiling.
 */
async function relinkOtherVariant(roots: SetupRoots, variant: TfVariant, reporter: SetupReporter): Promise<void> {
  const other: TfVariant = variant === 'cpu' ? 'gpu' : 'cpu';
  if (typeof findTarget(other) === 'string') return;
  const layout = variantLayout(roots, other);
  const marker = await readMarker(layout);
  if (!marker || !(await readPackageJson(layout.packageDir)) || !existsSync(cachedBindingPath(layout, marker.napiVersion))) return;
  await replaceWithSymlink(layout.depsLink, layout.dir);
  await installCachedBinding(layout, marker.napiVersion);
  reporter.line(`  re-linked ${layout.packageName} to ${layout.dir} (npm had reinstalled it)`);
}
