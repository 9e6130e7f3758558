import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import type { TestProject } from 'vitest/node';

import { stopServeServer } from '../serve/state';
import { freePort } from '../worker/server-ports';
import { ensureServer, stopServer } from '../worker/temporal-server';
import { findOrBuildVersitygw } from './helpers/s3-server';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    kilnHome: string;
  }
}

/**
 * One real Temporal dev server for the whole test run, in a temporary KILN_HOME on free ports, so tests never
 * touch the user's ~/.kiln or a server on 7233. Test processes and the CLI processes they spawn inherit the env.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-test-home-'));
  const port = await freePort();
  const uiPort = await freePort([port]);
  Object.assign(process.env, {
    KILN_HOME: home,
    KILN_TEMPORAL_PORT: String(port),
    KILN_TEMPORAL_UI_PORT: String(uiPort),
  });
  delete process.env.TEMPORAL_ADDRESS;
  // The S3 tests' server binary is built here too (minutes, once per machine), not inside a test's time limit.
  // A failure is only reported: the S3 tests then fail with the same message, and the others still run.
  const [server] = await Promise.all([
    ensureServer({ home, log: (line) => console.log(`[test server] ${line}`) }),
    findOrBuildVersitygw({ log: (line) => console.log(`[versitygw] ${line}`) }).catch((error: Error) =>
      console.warn(`[versitygw] ${error.message}`),
    ),
  ]);
  project.provide('temporalAddress', server.address);
  project.provide('kilnHome', home);
  return async () => {
    // Deploy steps start a detached `kiln serve` in this home; it must not outlive the test run.
    await stopServeServer(home);
    await stopServer(home);
    await fs.rm(home, { recursive: true, force: true });
  };
}
