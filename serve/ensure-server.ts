// Finds the running `kiln serve` of a KILN_HOME, or starts one in the background (its own process group, so it
// outlives the deploy that started it; output in $KILN_HOME/serve.log) and waits until it answers.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { withFileLock } from '../system/file-lock';
import { quoteLines, sleep } from '../system/processes';
import { findRunningServer, serveLogPath } from './state';

const KILN_BIN = fileURLToPath(new URL('../bin/kiln', import.meta.url));

export interface EnsureServeOptions {
  home: string;
  host: string;
  port: number;
  /** The registry the server must serve (a server of another registry cannot smoke-test our versions). */
  registryRoot: string;
  log: (line: string) => void;
  /** How long a new server may take to answer /healthz. */
  startTimeoutMs?: number;
}

export interface ServeEndpoint {
  url: string;
  pid: number;
  /** True when this call started it. */
  started: boolean;
}

/** Thrown when no server could be found or started; the message quotes serve.log. */
export class ServeStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServeStartError';
  }
}

export async function ensureServeServer(options: EnsureServeOptions): Promise<ServeEndpoint> {
  const lock = path.join(options.home, 'serve.lock');
  // One starter at a time: two deploys finding no server must not start two.
  return withFileLock(lock, { waitMs: 300_000, staleMs: 600_000, what: 'to start kiln serve' }, async () => {
    const running = await findRunningServer(options.home);
    if (running) {
      const serves = running.health.registry;
      if (serves !== undefined && path.resolve(serves) !== path.resolve(options.registryRoot)) {
        throw new ServeStartError(`the kiln server at ${running.url} (pid ${running.pid}) serves ${serves}, not ${options.registryRoot}`);
      }
      return { url: running.url, pid: running.pid, started: false };
    }
    return start(options);
  });
}

async function start(options: EnsureServeOptions): Promise<ServeEndpoint> {
  const logFile = serveLogPath(options.home);
  await fs.mkdir(options.home, { recursive: true });
  const logStart = (await fs.stat(logFile).catch(() => undefined))?.size ?? 0;
  const fd = openSync(logFile, 'a');
  const args = [KILN_BIN, 'serve', '--host', options.host, '--port', String(options.port)];
  let exited: string | undefined;
  try {
    const child = spawn(process.execPath, args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      cwd: options.home,
      env: { ...process.env, KILN_HOME: options.home },
    });
    child.on('exit', (code, signal) => (exited = signal ? `was killed by ${signal}` : `exited with status ${code}`));
    child.on('error', (error) => (exited = `could not start: ${error.message}`));
    child.unref();
    options.log(`started kiln serve on ${options.host}:${options.port} (pid ${child.pid}, log ${logFile})`);
    const deadline = Date.now() + (options.startTimeoutMs ?? 120_000);
    while (Date.now() < deadline) {
      if (exited) break;
      const running = await findRunningServer(options.home);
      if (running && running.pid === child.pid) return { url: running.url, pid: running.pid, started: true };
      await sleep(250);
    }
    if (!exited && child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
  } finally {
    closeSync(fd);
  }
  const log = (await fs.readFile(logFile, 'utf8').catch(() => '')).slice(logStart);
  const why = exited ? `it ${exited}` : `it did not answer /healthz within ${Math.round((options.startTimeoutMs ?? 120_000) / 1000)}s`;
  throw new ServeStartError(`could not start kiln serve on ${options.host}:${options.port}: ${why}\n${quoteLines(log, 8)}`);
}
