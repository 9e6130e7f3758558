// A real S3 server for tests: versitygw (Apache-2.0, one Go binary) serving a temporary directory on a free port.
// The binary is built once with `go install` into kiln's cache (~/.cache/kiln/bin), under a lock so parallel test
// runs build it once, the way kiln builds the Temporal CLI; test/global-setup.ts builds it before any test runs.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

import { kilnCacheDir } from '../../store/paths';
import { describeHolder, withFileLock } from '../../system/file-lock';
import { findOnPath, isExecutableFile, quoteLines, sleep } from '../../system/processes';
import { freePort } from '../../worker/server-ports';

// Not v1.7.0: its posix backend checks If-None-Match / If-Match and then writes, so concurrent conditional PUTs can
// all win (versity/versitygw#2288, fixed in v1.8.0), and the race tests would fail now and then.
export const VERSITYGW_VERSION = 'v1.8.0';
export const VERSITYGW_PACKAGE = `github.com/versity/versitygw/cmd/versitygw@${VERSITYGW_VERSION}`;
const BUILD_TIMEOUT_MS = 30 * 60_000;
const READY_TIMEOUT_MS = 30_000;

export interface S3Server {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
  /** The directory versitygw serves (the bucket is a directory in `dir/data`). */
  dir: string;
  /** What a kiln process needs to use this server: AWS_ENDPOINT_URL, AWS_REGION, the keys and KILN_STORE. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** Where the built binary is kept, named by version so that a version bump builds anew. */
export function cachedVersitygwPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(kilnCacheDir(env), 'bin', `versitygw-${VERSITYGW_VERSION}`);
}

/** `KILN_VERSITYGW_BIN`, else the cached build, else build it with Go (once, even with concurrent callers). */
export async function findOrBuildVersitygw(options: { log?: (line: string) => void; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => console.log(`[versitygw] ${line}`));
  if (env.KILN_VERSITYGW_BIN) {
    if (isExecutableFile(env.KILN_VERSITYGW_BIN)) return env.KILN_VERSITYGW_BIN;
    throw new Error(`KILN_VERSITYGW_BIN=${env.KILN_VERSITYGW_BIN} is not an executable file\nhint: point it at a versitygw binary, or unset it`);
  }
  const cached = cachedVersitygwPath(env);
  if (isExecutableFile(cached)) return cached;
  const go = findOnPath('go', env) ?? (env.GOROOT ? path.join(env.GOROOT, 'bin', 'go') : undefined);
  if (!go || !isExecutableFile(go)) {
    throw new Error(
      `the S3 tests need versitygw, which is not at ${cached}, and Go is not installed to build it\n` +
        `hint: install Go, or run \`go install ${VERSITYGW_PACKAGE}\` elsewhere and set KILN_VERSITYGW_BIN`,
    );
  }
  const binDir = path.dirname(cached);
  const lock = {
    waitMs: BUILD_TIMEOUT_MS,
    staleMs: BUILD_TIMEOUT_MS + 10 * 60_000,
    what: 'to finish building versitygw',
    onWait: (pid: number) => log(`${describeHolder(pid)} is building versitygw; waiting for it…`),
  };
  return withFileLock(path.join(binDir, '.versitygw-build.lock'), lock, async () => {
    if (isExecutableFile(cached)) return cached;
    const started = Date.now();
    log(`building versitygw with Go for the S3 tests (first time only, a few minutes): ${go} install ${VERSITYGW_PACKAGE}`);
    const tempBin = await fs.mkdtemp(path.join(binDir, '.build-versitygw-'));
    try {
      let run = await goInstall(go, { ...env, GOBIN: tempBin, CGO_ENABLED: '0' }, log);
      if (!run.ok && /SECURITY ERROR|checksum mismatch|sum\.golang\.org|GOSUMDB/i.test(run.output)) {
        log('checksum database verification failed; retrying with GOSUMDB=off (modules still come from the Go proxy)');
        run = await goInstall(go, { ...env, GOBIN: tempBin, CGO_ENABLED: '0', GOSUMDB: 'off' }, log);
      }
      if (!run.ok) {
        throw new Error(
          `building versitygw with Go failed:\n${quoteLines(run.output, 15)}\n` +
            `hint: check that the Go module proxy is reachable (GOPROXY), or build it elsewhere and set KILN_VERSITYGW_BIN`,
        );
      }
      // Renamed into place only when complete, so no one ever runs a half-written binary.
      await fs.rename(path.join(tempBin, 'versitygw'), cached);
    } finally {
      await fs.rm(tempBin, { recursive: true, force: true });
    }
    log(`built versitygw in ${Math.round((Date.now() - started) / 1000)}s: ${cached}`);
    return cached;
  });
}

function goInstall(go: string, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const kept: string[] = [];
    const child = spawn(go, ['install', VERSITYGW_PACKAGE], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream }).on('line', (line) => {
        if (!line.startsWith('go: downloading ')) kept.push(line);
      });
    }
    const ticker = setInterval(() => log(`… still building versitygw (${Math.round((Date.now() - started) / 1000)}s)`), 30_000);
    const killer = setTimeout(() => child.kill('SIGKILL'), BUILD_TIMEOUT_MS);
    const finish = (ok: boolean, extra?: string): void => {
      clearInterval(ticker);
      clearTimeout(killer);
      if (extra) kept.push(extra);
      resolve({ ok, output: kept.join('\n') });
    };
    child.on('error', (error) => finish(false, `could not run ${go}: ${error.message}`));
    child.on('close', (code, signal) => finish(code === 0, code === 0 ? undefined : `go exited with ${signal ?? `code ${code}`}`));
  });
}

/** Starts versitygw on a free port of 127.0.0.1 with one bucket, and waits until it answers. */
export async function startS3Server(options: { bucket?: string; prefix?: string; log?: (line: string) => void } = {}): Promise<S3Server> {
  const binary = await findOrBuildVersitygw({ log: options.log });
  const bucket = options.bucket ?? 'kiln-test';
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-s3-'));
  // A bucket is a directory; metadata (etags, x-amz-meta-*) goes in extended attributes, swapped in with the data.
  // (With --sidecar, versitygw wrote a new etag before the new data, and a read between the two saw a mismatch.)
  await fs.mkdir(path.join(dir, 'data', bucket), { recursive: true });
  const accessKey = 'kiln-test';
  const secretKey = randomBytes(16).toString('hex');
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const args = ['--port', `127.0.0.1:${port}`, '--quiet', 'posix', path.join(dir, 'data')];
  const child = spawn(binary, args, {
    env: { ...process.env, ROOT_ACCESS_KEY: accessKey, ROOT_SECRET_KEY: secretKey },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let running = true;
  void exited.then(() => (running = false));

  const stop = async (): Promise<void> => {
    if (running) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    }
    await fs.rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    // Any HTTP answer (403 to an unsigned request) means it is serving.
    const answered = await fetch(endpoint, { signal: AbortSignal.timeout(1_000) }).then(
      () => true,
      () => false,
    );
    if (answered) break;
    if (!running || Date.now() > deadline) {
      await stop();
      throw new Error(`versitygw ${running ? 'did not answer within 30s' : 'exited'} on ${endpoint}:\n${quoteLines(output, 15)}`);
    }
    await sleep(50);
  }
  const env = {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: accessKey,
    AWS_SECRET_ACCESS_KEY: secretKey,
    KILN_STORE: `s3://${bucket}/${options.prefix ?? 'kiln'}`,
  };
  return { endpoint, bucket, accessKey, secretKey, dir, env, stop };
}
