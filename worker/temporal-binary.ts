import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { kilnCacheDir } from '../store/paths';
import { KilnServerError } from './server-errors';
import { describeHolder, withFileLock } from '../system/file-lock';
import { findOnPath, isExecutableFile } from '../system/processes';
import { buildTemporalWithGo, TEMPORAL_CLI_PACKAGE } from './temporal-go-build';

export interface BinaryOptions {
  log?: (message: string) => void;
  env?: NodeJS.ProcessEnv;
}

/** Where kiln keeps the binary it builds; shared by every KILN_HOME. */
export function cachedTemporalPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(kilnCacheDir(env), 'bin', 'temporal');
}

/**
 * The `temporal` CLI to run the dev server with: `KILN_TEMPORAL_BIN`, else `temporal` on PATH, else kiln's
 * cached build, else build it with Go into the cache (once, even with concurrent callers).
 */
export async function findOrBuildTemporalBinary(options: BinaryOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));

  const explicit = env.KILN_TEMPORAL_BIN;
  if (explicit) return requireExplicit(explicit);

  const onPath = findOnPath('temporal', env);
  if (onPath) {
    const problem = await checkTemporalBinary(onPath);
    if (!problem) return onPath;
    log(`ignoring ${onPath} on PATH: ${problem}`);
  }

  const cached = cachedTemporalPath(env);
  if (!(await checkTemporalBinary(cached))) return cached;

  const go = findGo(env);
  if (!go) throw noTemporalError(cached);
  return buildIntoCache(go, cached, env, log);
}

async function requireExplicit(file: string): Promise<string> {
  const problem = await checkTemporalBinary(file);
  if (problem) {
    throw new KilnServerError(
      `KILN_TEMPORAL_BIN=${file}: ${problem}`,
      'point KILN_TEMPORAL_BIN at a Temporal CLI binary (`temporal --version` must work), or unset it',
    );
  }
  return file;
}

async function buildIntoCache(go: string, cached: string, env: NodeJS.ProcessEnv, log: (m: string) => void): Promise<string> {
  const binDir = path.dirname(cached);
  const lockOptions = {
    waitMs: 30 * 60_000,
    staleMs: 40 * 60_000,
    what: 'to finish building the Temporal CLI',
    onWait: (pid: number) => log(`${describeHolder(pid)} is building the Temporal CLI; waiting for it…`),
  };
  return withFileLock(path.join(binDir, '.temporal-build.lock'), lockOptions, async () => {
    // Whoever held the lock before us may have built it already.
    if (!(await checkTemporalBinary(cached))) return cached;
    await buildTemporalWithGo({ go, binDir, env, log });
    const problem = await checkTemporalBinary(cached);
    if (problem) {
      throw new KilnServerError(
        `the Temporal CLI built with Go at ${cached} does not work: ${problem}`,
        `delete ${cached} and retry, or install the Temporal CLI yourself and set KILN_TEMPORAL_BIN`,
      );
    }
    return cached;
  });
}

/** Undefined when `file` runs and says it is the Temporal CLI; otherwise what is wrong with it. */
export async function checkTemporalBinary(file: string): Promise<string | undefined> {
  if (!fs.existsSync(file)) return 'file does not exist';
  return new Promise((resolve) => {
    execFile(file, ['--version'], { timeout: 15_000 }, (err, stdout) => {
      if (err) resolve(`\`${file} --version\` failed: ${err.message.split('\n')[0]}`);
      else if (!/temporal version/i.test(stdout)) resolve(`not the Temporal CLI (\`--version\` printed "${stdout.trim()}")`);
      else resolve(undefined);
    });
  });
}

function findGo(env: NodeJS.ProcessEnv): string | undefined {
  const onPath = findOnPath('go', env);
  if (onPath) return onPath;
  const fromRoot = env.GOROOT ? path.join(env.GOROOT, 'bin', 'go') : undefined;
  return fromRoot && isExecutableFile(fromRoot) ? fromRoot : undefined;
}

function noTemporalError(cached: string): KilnServerError {
  return new KilnServerError(
    `no Temporal server available: the \`temporal\` CLI is not in KILN_TEMPORAL_BIN, on PATH or at ${cached}, ` +
      'and Go is not installed to build it',
    'install the Temporal CLI (https://docs.temporal.io/cli#install) and put it on PATH or set KILN_TEMPORAL_BIN; ' +
      `or install Go and kiln builds it (\`go install ${TEMPORAL_CLI_PACKAGE}\`); ` +
      'or use a running cluster with TEMPORAL_ADDRESS=host:7233',
  );
}
