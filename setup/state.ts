// Whether a variant is set up, from files alone (no TensorFlow load, so it answers in milliseconds): the cache's
// setup.json marker and contents, and the package, its `deps` link and its binding in node_modules.
import fs from 'node:fs/promises';
import path from 'node:path';

import { napiBuildVersion, nestedTfjsCore, readPackageJson } from './npm-package';
import { cachedBindingPath, packageBindingPath, type SetupRoots, type VariantLayout } from './paths';
import { TENSORFLOW_VERSION, TFJS_NODE_VERSION, type TfVariant } from './pins';

/** Written last by a successful setup: a cache directory without it is incomplete. */
export interface SetupMarker {
  tensorflow: string;
  package: string;
  packageVersion: string;
  variant: TfVariant;
  platform: string;
  napiVersion: number;
  library: { url: string; bytes: number; sha1: string; sha256: string };
  /** The shared headers directory and the wheel they came from. */
  headers: { dir: string; wheel: string; sha256: string };
  /** What the last verification child printed. */
  verified: { tensorflow: string; packageVersion: string };
  /** Seconds per step this time; absent steps were already done. */
  steps: Record<string, number>;
  completedAt: string;
}

/**
 * ready: usable now. pruned: the cache is complete but the package left node_modules (`npm install` removes
 * packages it did not save); setup puts it back in seconds. incomplete: something is missing or stale.
 */
export type SetupState = 'ready' | 'not-set-up' | 'pruned' | 'incomplete';

export interface Inspection {
  state: SetupState;
  problems: string[];
  marker?: SetupMarker;
}

export async function readMarker(layout: VariantLayout): Promise<SetupMarker | undefined> {
  try {
    return JSON.parse(await fs.readFile(layout.marker, 'utf8')) as SetupMarker;
  } catch {
    return undefined;
  }
}

export async function writeMarker(layout: VariantLayout, marker: SetupMarker): Promise<void> {
  const temp = `${layout.marker}.tmp-${process.pid}`;
  await fs.writeFile(temp, `${JSON.stringify(marker, null, 2)}\n`);
  await fs.rename(temp, layout.marker);
}

export async function inspectSetup(roots: SetupRoots, layout: VariantLayout): Promise<Inspection> {
  const marker = await readMarker(layout);
  if (!marker) return { state: 'not-set-up', problems: [`not set up (no ${layout.marker})`] };
  if (marker.tensorflow !== TENSORFLOW_VERSION || marker.packageVersion !== TFJS_NODE_VERSION) {
    return { state: 'not-set-up', problems: [`the cache holds TensorFlow ${marker.tensorflow} for ${marker.packageVersion}, not ${TENSORFLOW_VERSION} for ${TFJS_NODE_VERSION}`], marker };
  }
  const cached = cachedBindingPath(layout, marker.napiVersion);
  const cacheFiles = [
    ...[...layout.target.libraries, ...layout.target.links.map(([name]) => name)].map((name) => path.join(layout.libDir, name)),
    path.join(layout.includeDir, 'tensorflow', 'c', 'c_api.h'),
    cached,
  ];
  const missing = (await Promise.all(cacheFiles.map(async (file) => ((await isFile(file)) ? undefined : file)))).filter(Boolean);
  if (missing.length > 0) return { state: 'incomplete', problems: [`the cache lacks ${missing.join(', ')}`], marker };

  const pkg = await readPackageJson(layout.packageDir);
  if (!pkg) return { state: 'pruned', problems: [`${layout.packageName} is set up in the cache but not in ${path.dirname(layout.packageDir)} (a later \`npm install\` removed it)`], marker };
  const problems: string[] = [];
  if (pkg.version !== TFJS_NODE_VERSION) problems.push(`node_modules has ${layout.packageName} ${pkg.version}, not ${TFJS_NODE_VERSION}`);
  const napi = napiBuildVersion(pkg);
  if (napi !== marker.napiVersion) problems.push(`this Node.js loads napi-v${napi ?? '?'}, the cached binding is napi-v${marker.napiVersion}`);
  const linked = await fs.realpath(layout.depsLink).catch(() => undefined);
  if (linked !== (await fs.realpath(layout.dir).catch(() => layout.dir))) problems.push(`${layout.depsLink} does not link to ${layout.dir}`);
  if (!(await sameContent(cached, packageBindingPath(layout, marker.napiVersion)))) {
    problems.push(`${packageBindingPath(layout, marker.napiVersion)} is missing or differs from the cached build`);
  }
  const nested = nestedTfjsCore(roots.kilnRoot, layout.packageName);
  if (nested) problems.push(`a second @tensorflow/tfjs-core is installed at ${nested}`);
  return { state: problems.length === 0 ? 'ready' : 'incomplete', problems, marker };
}

async function isFile(file: string): Promise<boolean> {
  return fs.stat(file).then(
    (stat) => stat.isFile(),
    () => false,
  );
}

/** Byte comparison: the binding is ~100 KB, and a size match alone would miss a rebuild against other headers. */
async function sameContent(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([fs.readFile(a).catch(() => undefined), fs.readFile(b).catch(() => undefined)]);
  return x !== undefined && y !== undefined && x.equals(y);
}
