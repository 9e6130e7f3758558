// Child processes for setup (npm, node-gyp, the verification `node`): output kept for error messages, optionally
// streamed to a log file and handed over line by line.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export interface ProcessResult {
  code: number | null;
  /** stdout and stderr interleaved, the last 256 KB at most. */
  output: string;
  stdout: string;
  stderr: string;
}

export interface ProcessOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Everything the process prints is also appended here. */
  logFile?: string;
  onLine?: (line: string) => void;
  timeoutMs?: number;
}

const KEEP = 256 * 1024;

export function runProcess(command: string, args: string[], options: ProcessOptions = {}): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const log = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
    const result: ProcessResult = { code: null, output: '', stdout: '', stderr: '' };
    let pending = '';
    const take = (stream: 'stdout' | 'stderr') => (data: Buffer) => {
      const text = data.toString();
      result[stream] = (result[stream] + text).slice(-KEEP);
      result.output = (result.output + text).slice(-KEEP);
      log?.write(data);
      if (!options.onLine) return;
      const lines = (pending + text).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) options.onLine(line);
    };
    child.stdout.on('data', take('stdout'));
    child.stderr.on('data', take('stderr'));
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    child.on('error', (error) => {
      clearTimeout(timer);
      log?.end();
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (pending && options.onLine) options.onLine(pending);
      result.code = code;
      if (log) log.end(() => resolve(result));
      else resolve(result);
    });
  });
}
