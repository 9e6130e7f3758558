// A Temporal dev server of its own, in a temporary KILN_HOME on free ports (as test/global-setup.ts makes one
// for the whole test run): for tests that stop and restart their server, and for benchmarks.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { freePort } from '../../worker/server-ports';
import { ensureServer, stopServer, type ServerInfo } from '../../worker/temporal-server';

export interface TempServer {
  home: string;
  /** The environment for kiln processes that should use this server and home (add it to spawn's env). */
  env: NodeJS.ProcessEnv;
  info: ServerInfo;
  /** Stops the server; with `remove`, deletes the home too. */
  stop(options?: { remove?: boolean }): Promise<void>;
}

/** Variables that would point kiln at another server or home. */
const SERVER_VARIABLES = ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'KILN_HOME', 'KILN_TEMPORAL_PORT', 'KILN_TEMPORAL_UI_PORT'];

/** This process's environment with only `env`'s server settings: nothing inherited can redirect a child. */
export function serverEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = { ...process.env };
  for (const name of SERVER_VARIABLES) delete clean[name];
  return { ...clean, ...env };
}

export async function startTempServer(prefix: string, log: (line: string) => void = () => undefined): Promise<TempServer> {
  const home = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  const port = await freePort();
  const uiPort = await freePort([port]);
  const env = serverEnv({ KILN_HOME: home, KILN_TEMPORAL_PORT: String(port), KILN_TEMPORAL_UI_PORT: String(uiPort) });
  const info = await ensureServer({ home, env, log });
  return {
    home,
    env,
    info,
    async stop(options = {}) {
      await stopServer(home);
      if (options.remove) await fs.rm(home, { recursive: true, force: true });
    },
  };
}
