import { Client, Connection } from '@temporalio/client';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { freePort } from '../../worker/server-ports';
import { isDevServerProcess, readServerState, writeServerState } from '../../worker/server-state';
import { cachedTemporalPath, findOrBuildTemporalBinary } from '../../worker/temporal-binary';
import { probeServer, withConnection } from '../../worker/temporal-probe';
import { KILN_SEARCH_ATTRIBUTES, registerSearchAttributes } from '../../worker/temporal-search-attributes';
import { kiln } from '../helpers/kiln-cli';
import { ensureServer, serverStatus, stopServer } from '../../worker/temporal-server';

const KEYWORD = 2; // temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD

async function tempDir(prefix: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** The caller's environment minus anything that would point kiln at another server (the global setup sets some). */
function isolatedEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'KILN_HOME', 'KILN_TEMPORAL_PORT', 'KILN_TEMPORAL_UI_PORT', 'KILN_TEMPORAL_BIN']) {
    delete env[name];
  }
  return { ...env, ...extra };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function writeScript(file: string, body: string): Promise<void> {
  await fs.writeFile(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
}

describe('embedded Temporal dev server', () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  let port: number;
  let uiPort: number;
  const logs: string[] = [];
  const log = (message: string): void => void logs.push(message);
  const starts = (): number => logs.filter((l) => l.startsWith('starting the Temporal dev server')).length;

  beforeAll(async () => {
    home = await tempDir('kiln-server-test-');
    port = await freePort();
    uiPort = await freePort([port]);
    env = isolatedEnv({ KILN_HOME: home, KILN_TEMPORAL_PORT: String(port), KILN_TEMPORAL_UI_PORT: String(uiPort) });
  });

  afterAll(async () => {
    await stopServer(home);
    await fs.rm(home, { recursive: true, force: true });
  });

  it('starts a server once, reuses it, and registers the Kiln search attributes', async () => {
    const [first, concurrent] = await Promise.all([ensureServer({ env, log }), ensureServer({ env, log })]);
    expect(first).toEqual({
      address: `127.0.0.1:${port}`,
      namespace: 'default',
      uiUrl: `http://localhost:${uiPort}`,
      external: false,
      pid: first.pid,
      dbFile: path.join(home, 'temporal.db'),
    });
    expect(concurrent.pid).toBe(first.pid);
    expect(starts()).toBe(1);

    const again = await ensureServer({ env, log });
    expect(again).toEqual(first);
    expect(starts()).toBe(1);
    expect((await readServerState(home))?.pid).toBe(first.pid);
    await expect(fs.stat(path.join(home, 'temporal.db'))).resolves.toBeTruthy();

    const attributes = await withConnection(first.address, 5_000, async (connection) => {
      const response = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      return response.customAttributes ?? {};
    });
    for (const name of KILN_SEARCH_ATTRIBUTES) expect(attributes[name], name).toBe(KEYWORD);

    expect(await serverStatus(home)).toEqual({ running: true, info: first });
    expect((await fetch(first.uiUrl)).status).toBe(200);
  });

  it('stops the server and keeps started workflows across a restart with the same database', async () => {
    const before = await ensureServer({ env, log });
    const workflowId = `kiln-restart-test-${Date.now()}`;
    const connection = await Connection.connect({ address: before.address });
    try {
      // Nobody polls this task queue: the workflow just stays open.
      await new Client({ connection }).workflow.start('kilnNobodyRunsThis', { taskQueue: 'kiln-test-unpolled', workflowId });
    } finally {
      await connection.close();
    }

    expect(await stopServer(home)).toBe(true);
    expect(await isDevServerProcess(before.pid!)).toBe(false);
    const stopped = await serverStatus(home);
    expect(stopped.running).toBe(false);
    expect(stopped.reason).toMatch(/no embedded Temporal server is recorded/);
    expect(await stopServer(home)).toBe(false);

    // A record left by a crashed server (its pid is gone) is not mistaken for a running one.
    const deadPid = 4_194_305; // above Linux's pid_max
    await writeServerState(home, { pid: deadPid, port, uiPort, dbFile: path.join(home, 'temporal.db'), startedAt: '' });
    expect((await serverStatus(home)).reason).toMatch(`(pid ${deadPid}) is no longer running`);

    const after = await ensureServer({ env, log });
    expect(after.pid).not.toBe(before.pid);
    expect(starts()).toBe(2);
    const again = await Connection.connect({ address: after.address });
    try {
      const handle = new Client({ connection: again }).workflow.getHandle(workflowId);
      const description = await handle.describe();
      expect(description.type).toBe('kilnNobodyRunsThis');
      expect(description.status.name).toBe('RUNNING');
      await handle.terminate('test done');
    } finally {
      await again.close();
    }
  });
});

/** A bare in-memory dev server, without kiln's search attributes: it stands in for an external cluster. */
async function startBareServer() {
  const binary = await findOrBuildTemporalBinary({ env: isolatedEnv({}), log: () => undefined });
  const port = await freePort();
  const server = spawn(binary, ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port)], { stdio: 'ignore' });
  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (!(await probeServer(address, 'default', 1_000)).answers && Date.now() < deadline) await sleep(200);
  return { server, address };
}

describe('registerSearchAttributes', () => {
  it('adds the Kiln attributes to a cluster that lacks them, once', async () => {
    const { server, address } = await startBareServer();
    try {
      await withConnection(address, 5_000, async (connection) => {
        expect(await registerSearchAttributes(connection, 'default')).toEqual([...KILN_SEARCH_ATTRIBUTES]);
        const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
        for (const name of KILN_SEARCH_ATTRIBUTES) expect(customAttributes?.[name], name).toBe(KEYWORD);
        expect(await registerSearchAttributes(connection, 'default')).toEqual([]);
      });
    } finally {
      server.kill('SIGKILL');
    }
  });
});

describe('an external cluster (TEMPORAL_ADDRESS)', () => {
  it('gets the Kiln attributes from the first kiln command that connects, and runs can then be listed', async () => {
    const { server, address } = await startBareServer();
    try {
      const env = isolatedEnv({ TEMPORAL_ADDRESS: address, KILN_HOME: await tempDir('kiln-external-') });
      const first = await kiln(['list'], { env });
      expect(first.stderr).toContain(`registered kiln's search attributes on namespace default: ${KILN_SEARCH_ATTRIBUTES.join(', ')}`);
      expect(first.code).toBe(0);
      await withConnection(address, 5_000, async (connection) => {
        const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
        for (const name of KILN_SEARCH_ATTRIBUTES) expect(customAttributes?.[name], name).toBe(KEYWORD);
      });
      const second = await kiln(['list'], { env });
      expect(second.code).toBe(0);
      expect(second.stderr).not.toContain('registered');
    } finally {
      server.kill('SIGKILL');
    }
  });
});

describe('embedded server failures', () => {
  it('quotes the log when the server exits during startup', async () => {
    const home = await tempDir('kiln-server-crash-');
    const fake = path.join(home, 'temporal-crashes');
    await writeScript(fake, 'if [ "$1" = "--version" ]; then echo "temporal version 9.9.9"; exit 0; fi\necho "boom: cannot open the database" >&2\nexit 7');
    const env = isolatedEnv({ KILN_HOME: home, KILN_TEMPORAL_BIN: fake, KILN_TEMPORAL_PORT: String(await freePort()) });
    try {
      const error = await ensureServer({ env, log: () => undefined }).catch((err: Error) => err);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(/exited with code 7 while starting/);
      expect((error as Error).message).toContain('| boom: cannot open the database');
      expect((error as Error).message).toMatch(/\nhint: /);
      expect(await readServerState(home)).toBeUndefined();
    } finally {
      await fs.rm(home, { recursive: true, force: true });
    }
  });

  it('refuses an explicitly configured port that is busy', async () => {
    const home = await tempDir('kiln-server-busy-');
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busy = (blocker.address() as net.AddressInfo).port;
    try {
      const env = isolatedEnv({ KILN_HOME: home, KILN_TEMPORAL_PORT: String(busy) });
      await expect(ensureServer({ env, log: () => undefined })).rejects.toThrow(
        `KILN_TEMPORAL_PORT=${busy}: that port is already in use`,
      );
    } finally {
      blocker.close();
      await fs.rm(home, { recursive: true, force: true });
    }
  });

  it('describes an external cluster without starting anything', async () => {
    const env = isolatedEnv({ TEMPORAL_ADDRESS: 'localhost:7999', TEMPORAL_NAMESPACE: 'ml' });
    expect(await ensureServer({ env, home: '/nonexistent/kiln-home' })).toEqual({
      address: 'localhost:7999',
      namespace: 'ml',
      uiUrl: 'http://localhost:8999',
      external: true,
    });
  });
});

describe('findOrBuildTemporalBinary', () => {
  let root: string;
  beforeAll(async () => {
    root = await tempDir('kiln-binary-test-');
  });
  afterAll(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  /** A PATH holding only the given fake tools, and a private cache. */
  async function sandbox(name: string, tools: Record<string, string>): Promise<NodeJS.ProcessEnv> {
    const bin = path.join(root, name, 'bin');
    await fs.mkdir(bin, { recursive: true });
    for (const [tool, body] of Object.entries(tools)) await writeScript(path.join(bin, tool), body);
    return { HOME: path.join(root, name), PATH: bin, XDG_CACHE_HOME: path.join(root, name, 'cache') };
  }

  it('builds with Go once for concurrent callers, retrying with GOSUMDB=off after a checksum failure', async () => {
    const fakeGo = [
      'PATH=/usr/bin:/bin',
      'echo "$* GOSUMDB=$GOSUMDB" >> "$(dirname "$0")/go-calls.log"',
      'echo "go: downloading github.com/temporalio/cli v1.5.1" >&2',
      'if [ "$GOSUMDB" != "off" ]; then echo "verifying go.temporal.io/api@v1.0.0: checksum mismatch" >&2; exit 1; fi',
      'sleep 0.2',
      'printf \'#!/bin/sh\\necho "temporal version 1.5.1-fake"\\n\' > "$GOBIN/temporal"',
      'chmod +x "$GOBIN/temporal"',
    ].join('\n');
    const env = await sandbox('go', { go: fakeGo });
    const logs: string[] = [];
    const log = (message: string): void => void logs.push(message);

    const [a, b] = await Promise.all([findOrBuildTemporalBinary({ env, log }), findOrBuildTemporalBinary({ env, log })]);
    const cached = cachedTemporalPath(env);
    expect(cached).toBe(path.join(root, 'go', 'cache', 'kiln', 'bin', 'temporal'));
    expect([a, b]).toEqual([cached, cached]);

    const calls = (await fs.readFile(path.join(root, 'go', 'bin', 'go-calls.log'), 'utf8')).trim().split('\n');
    expect(calls).toEqual([
      'install github.com/temporalio/cli/cmd/temporal@v1.5.1 GOSUMDB=',
      'install github.com/temporalio/cli/cmd/temporal@v1.5.1 GOSUMDB=off',
    ]);
    expect(logs.filter((l) => l.includes('building the Temporal CLI with Go'))).toHaveLength(1);
    expect(logs.some((l) => l.includes('retrying with GOSUMDB=off'))).toBe(true);
    expect(logs.some((l) => l.includes('downloading'))).toBe(false);
    expect(await fs.readdir(path.dirname(cached))).toEqual(['temporal']);

    // Found in the cache from now on, without Go.
    expect(await findOrBuildTemporalBinary({ env: { ...env, PATH: '' }, log })).toBe(cached);
  });

  it('prefers KILN_TEMPORAL_BIN, then temporal on PATH', async () => {
    const env = await sandbox('path', { temporal: 'echo "temporal version 1.5.1"' });
    const onPath = path.join(root, 'path', 'bin', 'temporal');
    expect(await findOrBuildTemporalBinary({ env, log: () => undefined })).toBe(onPath);

    const explicit = path.join(root, 'path', 'explicit-temporal');
    await writeScript(explicit, 'echo "temporal version 1.4.0"');
    expect(await findOrBuildTemporalBinary({ env: { ...env, KILN_TEMPORAL_BIN: explicit } })).toBe(explicit);

    const wrong = path.join(root, 'path', 'not-temporal');
    await writeScript(wrong, 'echo "something else"');
    await expect(findOrBuildTemporalBinary({ env: { ...env, KILN_TEMPORAL_BIN: wrong } })).rejects.toThrow(
      /KILN_TEMPORAL_BIN=.*not-temporal: not the Temporal CLI[^]*\nhint: point KILN_TEMPORAL_BIN/,
    );
  });

  it('says how to get Temporal when there is neither a binary nor Go', async () => {
    const env = await sandbox('nothing', {});
    await expect(findOrBuildTemporalBinary({ env, log: () => undefined })).rejects.toThrow(
      /Go is not installed to build it\nhint: install the Temporal CLI .* TEMPORAL_ADDRESS/,
    );
  });
});
