import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { bundleWorkflowCode } from '@temporalio/worker';

import { writeFileAtomic } from '../store/atomic';
import { kilnCacheDir } from '../store/paths';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const workflowsEntry = path.join(root, 'workflows', 'index.ts');
// Everything the bundle is built from: a change to any of them must produce a new bundle.
const sourceDirs = [path.join(root, 'workflows'), path.join(root, 'contract')];
const sourceFiles = [path.join(root, 'compiler', 'types.ts')];

async function sourceDigest(): Promise<string> {
  const hash = createHash('sha256');
  const sdk = createRequire(import.meta.url)('@temporalio/worker/package.json') as { version: string };
  hash.update(sdk.version);
  const files = [...sourceFiles];
  for (const dir of sourceDirs) {
    for (const name of (await fs.readdir(dir)).sort()) files.push(path.join(dir, name));
  }
  for (const file of files) hash.update(file).update(await fs.readFile(file));
  return hash.digest('hex').slice(0, 16);
}

/**
 * The workflow bundle, built once per source version and cached: bundling takes seconds, and every
 * `kiln run` starts a worker.
 */
export async function workflowBundle(): Promise<{ code: string }> {
  const cached = path.join(kilnCacheDir(), 'bundles', `workflows-${await sourceDigest()}.js`);
  const code = await fs.readFile(cached, 'utf8').catch(() => undefined);
  if (code) return { code };
  const bundle = await bundleWorkflowCode({ workflowsPath: workflowsEntry, logger: quietLogger });
  await writeFileAtomic(cached, bundle.code);
  return bundle;
}

const ignore = () => undefined;
const quietLogger = { trace: ignore, debug: ignore, info: ignore, warn: ignore, error: console.error, log: ignore };
