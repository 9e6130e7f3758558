// The tfjs-node package in kiln's own node_modules: installed without its install script (which would download
// TensorFlow 2.9.1 from Google's storage), sharing kiln's single @tensorflow/tfjs-core.
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

import { findOnPath, quoteLines } from '../system/processes';
import { SetupError } from './errors';
import { runProcess } from './exec';
import { TFJS_NODE_PACKAGES, TFJS_NODE_VERSION } from './pins';
import type { SetupReporter } from './progress';

export interface PackageJson {
  name?: string;
  version?: string;
  binary?: { napi_versions?: number[] };
}

export async function readPackageJson(packageDir: string): Promise<PackageJson | undefined> {
  try {
    return JSON.parse(await fs.readFile(path.join(packageDir, 'package.json'), 'utf8')) as PackageJson;
  } catch {
    return undefined;
  }
}

/**
 * The N-API version the package's runtime loads (`lib/napi-v<N>/`): node-pre-gyp's `find` takes the highest of the
 * package's `binary.napi_versions` this Node supports. Building just that one saves five needless compiles.
 */
export function napiBuildVersion(pkg: PackageJson, nodeNapi = Number(process.versions.napi)): number | undefined {
  const usable = (pkg.binary?.napi_versions ?? []).filter((v) => v <= nodeNapi);
  return usable.length > 0 ? Math.max(...usable) : undefined;
}

/**
 * `npm install --no-save --ignore-scripts` of the package into kiln's root. The other native variant, if present,
 * is named too so that this install cannot drop it.
 */
export async function installPackage(kilnRoot: string, packageName: string, env: NodeJS.ProcessEnv, reporter: SetupReporter): Promise<void> {
  const npm = findOnPath('npm', env);
  if (!npm) throw new SetupError('npm is not on PATH', 'install Node.js with npm (https://nodejs.org) and run again');
  const specs = [`${packageName}@${TFJS_NODE_VERSION}`];
  for (const other of Object.values(TFJS_NODE_PACKAGES)) {
    if (other === packageName) continue;
    const installed = await readPackageJson(path.join(kilnRoot, 'node_modules', ...other.split('/')));
    if (installed?.version === TFJS_NODE_VERSION) specs.push(`${other}@${TFJS_NODE_VERSION}`);
  }
  const args = ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', ...specs];
  reporter.line(`  npm ${args.join(' ')}`);
  const result = await runProcess(npm, args, { cwd: kilnRoot, env });
  if (result.code !== 0) {
    throw new SetupError(
      `npm install of ${specs.join(' ')} in ${kilnRoot} failed (exit ${result.code}):\n${quoteLines(result.output, 15)}`,
      'check that the npm registry is reachable (`npm config get registry`) and run the command again',
    );
  }
  const installed = await readPackageJson(path.join(kilnRoot, 'node_modules', ...packageName.split('/')));
  if (installed?.version !== TFJS_NODE_VERSION) {
    throw new SetupError(`npm install finished but node_modules/${packageName} is ${installed?.version ?? 'missing'}, not ${TFJS_NODE_VERSION}`);
  }
  const nested = nestedTfjsCore(kilnRoot, packageName);
  if (nested) {
    throw new SetupError(
      `npm installed a second @tensorflow/tfjs-core at ${nested}: the native backend would register with that copy, not kiln's`,
      `kiln's @tensorflow/tfjs-core must be ${TFJS_NODE_VERSION} (see \`npm ls @tensorflow/tfjs-core\`); pin it in package.json, npm install, and run setup again`,
    );
  }
}

/** A tfjs-core that is not kiln's, below the package or below the `@tensorflow/tfjs` it re-exports. */
export function nestedTfjsCore(kilnRoot: string, packageName: string): string | undefined {
  const candidates = [packageName, '@tensorflow/tfjs'].map((name) =>
    path.join(kilnRoot, 'node_modules', ...name.split('/'), 'node_modules', '@tensorflow', 'tfjs-core'),
  );
  return candidates.find((dir) => existsSync(dir));
}
