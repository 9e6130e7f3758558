// Long-lived `bin/kiln` processes (workers, detached runs) for the durability tests and bench/durability.ts,
// and waiting helpers that need no test framework. Each process leads its own process group, so one signal
// reaches everything it started; every group still alive is killed when this process exits, even on failure.
import { spawn } from 'node:child_process';
import path from 'node:path';

import { repoRoot } from './kiln-cli';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface KilnProcess {
  readonly name: string;
  readonly pid: number;
  /** stdout and stderr so far, as they arrived. */
  output(): string;
  /** The same output as lines, each with the time it arrived (Date.now()). */
  lines(): ReadonlyArray<{ at: number; line: string }>;
  readonly exited: Promise<Exit>;
  isRunning(): boolean;
  /** Sends `sig` to the whole process group (a no-op once it has exited). */
  signal(sig: NodeJS.Signals): void;
  /** SIGKILLs the process group and waits for the exit. */
  kill(): Promise<Exit>;
}

const live = new Set<KilnProcess>();
process.once('exit', () => {
  for (const p of live) p.signal('SIGKILL');
});

/** Starts `bin/kiln ARGS` in its own process group; `env` is added to this process's environment. */
export function startKiln(name: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): KilnProcess {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/kiln'), ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  if (child.pid === undefined) throw new Error(`could not start ${name}: bin/kiln ${args.join(' ')}`);
  const pid = child.pid;
  let text = '';
  const lines: Array<{ at: number; line: string }> = [];
  const reader = (): ((d: Buffer) => void) => {
    let partial = ''; // per stream: stdout and stderr lines must not splice
    return (d) => {
      const chunk = d.toString();
      text += chunk;
      const parts = (partial + chunk).split('\n');
      partial = parts.pop()!;
      for (const line of parts) lines.push({ at: Date.now(), line });
    };
  };
  child.stdout.on('data', reader());
  child.stderr.on('data', reader());
  let running = true;
  const exited = new Promise<Exit>((resolve) => {
    child.on('close', (code, signal) => {
      running = false;
      live.delete(handle);
      resolve({ code, signal });
    });
  });
  const handle: KilnProcess = {
    name,
    pid,
    output: () => text,
    lines: () => lines,
    exited,
    isRunning: () => running,
    signal(sig) {
      if (!running) return;
      try {
        process.kill(-pid, sig);
      } catch {
        // The group is already gone.
      }
    },
    kill() {
      handle.signal('SIGKILL');
      return exited;
    },
  };
  live.add(handle);
  return handle;
}

/** Kills every process still running (for afterAll / finally). */
export async function killAll(processes: Iterable<KilnProcess | undefined> = [...live]): Promise<void> {
  await Promise.all([...processes].filter((p) => p !== undefined).map((p) => p.kill()));
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Processes that must stay up meanwhile: if one exits, waiting fails at once with its output. */
  alive?: KilnProcess[];
}

/** The last lines of a process's output, indented, for error messages. */
export function tail(p: KilnProcess, lines = 15): string {
  return p.output().trimEnd().split('\n').slice(-lines).map((l) => `    ${l}`).join('\n');
}

/** Thrown by a probe to stop waiting at once: the awaited thing can no longer happen. */
export class GiveUp extends Error {}

/**
 * Polls `probe` until it returns something other than undefined/null/false, and returns that. A probe that
 * throws counts as "not yet" (a server restarting answers with errors; the last error is in the timeout message),
 * unless it throws GiveUp.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let last = 'nothing yet';
  for (;;) {
    for (const p of options.alive ?? []) {
      if (!p.isRunning()) throw new Error(`${p.name} exited while waiting for ${what}; its output ends with:\n${tail(p)}`);
    }
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
      last = `last probe: ${JSON.stringify(value)}`;
    } catch (error) {
      if (error instanceof GiveUp) throw new Error(`gave up waiting for ${what}: ${error.message}`);
      last = `last error: ${(error as Error).message}`;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${options.timeoutMs / 1000}s waiting for ${what} (${last})`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
  }
}

/** Waits for a line of `p`'s output matching `pattern` and returns the match. */
export function waitForOutput(p: KilnProcess, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return waitFor(`${p.name} to print ${pattern}`, () => pattern.exec(p.output()), { timeoutMs, intervalMs: 100, alive: [p] }).catch((error: Error) => {
    throw new Error(`${error.message}; ${p.name}'s output ends with:\n${tail(p)}`);
  });
}

/** `p`'s exit and how long it took from now; fails after `timeoutMs`. */
export async function waitForExit(p: KilnProcess, timeoutMs: number): Promise<Exit & { ms: number }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${p.name} (pid ${p.pid}) did not exit within ${timeoutMs / 1000}s; its output ends with:\n${tail(p)}`)), timeoutMs);
  });
  try {
    const exit = await Promise.race([p.exited, timeout]);
    return { ...exit, ms: performance.now() - started };
  } finally {
    clearTimeout(timer);
  }
}
