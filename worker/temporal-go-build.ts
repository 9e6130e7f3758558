import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';

import { KilnServerError } from './server-errors';
import { quoteLines } from '../system/processes';

export const TEMPORAL_CLI_PACKAGE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

const BUILD_TIMEOUT_MS = 30 * 60_000;
const PROGRESS_EVERY_MS = 20_000;

export interface GoBuildOptions {
  go: string;
  /** Final directory; `temporal` appears there only once fully built. */
  binDir: string;
  env: NodeJS.ProcessEnv;
  log: (message: string) => void;
}

interface GoRun {
  ok: boolean;
  /** go's output except the "go: downloading" lines, for error messages. */
  output: string;
}

/**
 * `go install` the Temporal CLI into a temporary GOBIN, then rename it into `binDir`, so that nobody
 * ever runs a half-written binary. Retries once with GOSUMDB=off when checksum verification fails.
 */
export async function buildTemporalWithGo(options: GoBuildOptions): Promise<void> {
  const { go, binDir, env, log } = options;
  const started = Date.now();
  log('building the Temporal CLI with Go (first time only, takes a few minutes)…');
  log(`  ${go} install ${TEMPORAL_CLI_PACKAGE} (into ${binDir})`);
  await fs.mkdir(binDir, { recursive: true });
  const tempBin = await fs.mkdtemp(path.join(binDir, '.build-'));
  try {
    let run = await goInstall(go, { ...env, GOBIN: tempBin, CGO_ENABLED: '0' }, log);
    if (!run.ok && isChecksumFailure(run.output)) {
      log('  checksum database verification failed; retrying with GOSUMDB=off (modules still come from the Go proxy)');
      run = await goInstall(go, { ...env, GOBIN: tempBin, CGO_ENABLED: '0', GOSUMDB: 'off' }, log);
    }
    if (!run.ok) throw buildError(run.output, env);
    await fs.rename(path.join(tempBin, 'temporal'), path.join(binDir, 'temporal'));
  } finally {
    await fs.rm(tempBin, { recursive: true, force: true });
  }
  log(`built the Temporal CLI in ${formatSeconds(Date.now() - started)}: ${path.join(binDir, 'temporal')}`);
}

/** Run `go install`, condensing its ~240 "go: downloading" lines into a periodic progress line. */
function goInstall(go: string, env: NodeJS.ProcessEnv, log: (message: string) => void): Promise<GoRun> {
  return new Promise((resolve) => {
    const started = Date.now();
    const kept: string[] = [];
    let downloads = 0;
    const child = spawn(go, ['install', TEMPORAL_CLI_PACKAGE], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const onLine = (line: string): void => {
      if (line.startsWith('go: downloading ')) {
        downloads += 1;
        return;
      }
      kept.push(line);
      log(`  go: ${line.replace(/^go: /, '')}`);
    };
    readline.createInterface({ input: child.stdout }).on('line', onLine);
    readline.createInterface({ input: child.stderr }).on('line', onLine);
    const ticker = setInterval(() => {
      const phase = downloads > 0 ? `${downloads} modules downloaded` : 'compiling';
      log(`  … ${formatSeconds(Date.now() - started)}, ${phase}`);
    }, PROGRESS_EVERY_MS);
    const killer = setTimeout(() => child.kill('SIGKILL'), BUILD_TIMEOUT_MS);
    const finish = (ok: boolean, extra?: string): void => {
      clearInterval(ticker);
      clearTimeout(killer);
      if (extra) kept.push(extra);
      resolve({ ok, output: kept.join('\n') });
    };
    child.on('error', (err) => finish(false, `could not run ${go}: ${err.message}`));
    child.on('close', (code, signal) => finish(code === 0, code === 0 ? undefined : `go exited with ${signal ?? `code ${code}`}`));
  });
}

function isChecksumFailure(output: string): boolean {
  return /SECURITY ERROR|checksum mismatch|verifying .*(go\.sum|go\.mod|sum\.golang\.org|checksum)|sum\.golang\.org|GOSUMDB/i.test(output);
}

function buildError(output: string, env: NodeJS.ProcessEnv): KilnServerError {
  const what = `building the Temporal CLI with Go failed:\n${quoteLines(output, 15)}`;
  if (/dial tcp|module lookup disabled|no such host|connection refused|i\/o timeout|proxyconnect|TLS handshake|unrecognized import path/i.test(output)) {
    const proxy = env.GOPROXY ?? 'https://proxy.golang.org';
    return new KilnServerError(
      what,
      `Go could not reach the module proxy (GOPROXY=${proxy}); check the network or GOPROXY, ` +
        'or install the Temporal CLI yourself (https://docs.temporal.io/cli#install) and set KILN_TEMPORAL_BIN',
    );
  }
  if (/requires go >=|go\.mod requires go|toolchain/i.test(output)) {
    return new KilnServerError(what, 'upgrade Go (https://go.dev/dl/), or install the Temporal CLI yourself and set KILN_TEMPORAL_BIN');
  }
  return new KilnServerError(
    what,
    'install the Temporal CLI yourself (https://docs.temporal.io/cli#install) and set KILN_TEMPORAL_BIN, ' +
      'or use a running cluster with TEMPORAL_ADDRESS=host:7233',
  );
}

function formatSeconds(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
