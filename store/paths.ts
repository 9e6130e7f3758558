import os from 'node:os';
import path from 'node:path';

/** kiln's state directory: store, server database, logs. `KILN_HOME`, else `~/.kiln`. */
export function kilnHome(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.KILN_HOME ?? path.join(os.homedir(), '.kiln'));
}

/** Shared by every KILN_HOME, so tests with temporary homes reuse one Temporal build. */
export function kilnCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
  return path.join(base, 'kiln');
}
