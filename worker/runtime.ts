import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

let installed = false;

/** Install the SDK runtime once, with a quiet logger: the CLI prints its own progress, and a failed
 * step is reported once, as a run summary, not as SDK warnings with stack traces. KILN_LOG_LEVEL=INFO for more. */
export function installRuntime(level: LogLevel = (process.env.KILN_LOG_LEVEL as LogLevel | undefined) ?? 'ERROR'): void {
  if (installed) return;
  installed = true;
  Runtime.install({ logger: new DefaultLogger(level) });
}
