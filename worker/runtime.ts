import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

let installed = false;

/**
 * Install the SDK runtime once, quietly: the CLI prints its own progress, a failed step is reported once as a run
 * summary (not as SDK warnings with stack traces), and the native core does not repeat a connection warning every
 * second while the server restarts. KILN_LOG_LEVEL=INFO (or DEBUG) shows everything again.
 */
export function installRuntime(level: LogLevel = (process.env.KILN_LOG_LEVEL as LogLevel | undefined) ?? 'ERROR'): void {
  if (installed) return;
  installed = true;
  Runtime.install({
    logger: new DefaultLogger(level),
    telemetryOptions: { logging: { filter: { core: level, other: level } } },
  });
}
