// Edges of the HTTP server, each checked against a real server on 127.0.0.1 whose log is captured: alias
// names that are Object.prototype keys, clients that hang up, HEAD, 405 Allow headers and oversized headers.
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startServer, type RunningServer } from '../../serve/server';
import { directoryDigest } from '../../store/artifacts';
import { ModelRegistry } from '../../store/registry';
import { fakeLoader, writeFakeClassifier } from './serve-fixtures';

let tmp: string;
let server: RunningServer;
const log: string[] = [];

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-serve-edges-'));
  const registry = new ModelRegistry(path.join(tmp, 'models'));
  const dir = await writeFakeClassifier(path.join(tmp, 's1'), 'v1');
  const digest = `sha256:${(await directoryDigest(dir)).hex}`;
  const lineage = { workflowId: 'wf', runId: 'run', step: 'deploy' };
  await registry.register('sentiment', dir, { kind: 'classifier', digest, source: { uri: 'kiln://x', meta: {} }, lineage, metrics: null });
  await registry.setAlias('sentiment', 'production', 1);
  await registry.register('bare', dir, { kind: 'classifier', digest, source: { uri: 'kiln://x', meta: {} }, lineage, metrics: null });
  // A long batching wait keeps a request queued long enough for its client to give up.
  server = await startServer({ port: 0, registry, loadModel: fakeLoader(), batch: { maxBatch: 32, maxWaitMs: 300 }, log: (l) => log.push(l) });
});

afterAll(async () => {
  await server?.close();
  await fs.rm(tmp, { recursive: true, force: true });
});

/**
 * Writes `data` on a fresh connection and returns everything the server sent back before closing it. With
 * `halfClose` the client also ends its side, which node:http takes as a hang-up for requests still in flight.
 */
function raw(data: string, halfClose = true): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(server.port, '127.0.0.1', () => (halfClose ? socket.end(data) : socket.write(data)));
    let reply = '';
    socket.on('data', (d) => (reply += d.toString()));
    socket.on('close', () => resolve(reply));
    socket.on('error', () => resolve(reply));
  });
}

/** Sends `data`, waits `ms`, then resets the connection without reading an answer. */
function hangUp(data: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(server.port, '127.0.0.1', () => {
      socket.write(data);
      setTimeout(() => {
        socket.resetAndDestroy();
        resolve();
      }, ms);
    });
    socket.on('error', () => undefined);
  });
}

const settle = () => new Promise((r) => setTimeout(r, 500));

describe('kiln serve: alias names that are Object.prototype keys', () => {
  it('answers NAME@constructor with a 404 listing the aliases, and invalid alias names with a 400', async () => {
    const res = await fetch(`${server.url}/v1/models/sentiment@constructor/predict`, { method: 'POST', body: '{"texts":["x"]}' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: "model 'sentiment' has no alias 'constructor'",
      hint: 'its aliases: production → 1; ask for a version instead (sentiment:1) or move the alias with `kiln models promote`',
    });
    // A model with no aliases.json at all goes another way through the server's alias cache.
    const bare = await fetch(`${server.url}/v1/models/bare@constructor`);
    expect([bare.status, await bare.json()]).toEqual([
      404,
      { error: "model 'bare' has no alias 'constructor'", hint: 'ask for a version instead (bare:1) or move the alias with `kiln models promote`' },
    ]);
    for (const alias of ['__proto__', 'toString']) {
      const bad = await fetch(`${server.url}/v1/models/sentiment@${alias}`);
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ error: `invalid alias "${alias}"` });
    }
  });
});

describe('kiln serve: clients that hang up', () => {
  it('logs a client gone mid-body or mid-batch as one short line, no stack, and keeps serving', async () => {
    log.length = 0;
    await hangUp('POST /v1/models/sentiment/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{"texts": ["half', 100);
    const body = '{"texts":["good"]}';
    await hangUp(`POST /v1/models/sentiment/predict HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`, 100);
    await settle();
    // Before: `POST …: Error: aborted` and four `    at …` frames for the first, nothing for the second.
    expect(log).toEqual(Array(2).fill('POST /v1/models/sentiment/predict: client closed the connection'));
    const res = await fetch(`${server.url}/v1/models/sentiment/predict`, { method: 'POST', body });
    expect(res.status).toBe(200);
  });
});

describe('kiln serve: HEAD, 405 and oversized headers', () => {
  it('answers HEAD /healthz with 200 and no body', async () => {
    const res = await fetch(`${server.url}/healthz`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect(await raw('HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', false)).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n$/);
  });

  it('gives every 405 an Allow header', async () => {
    const cases: [string, string, string][] = [
      ['POST', '/healthz', 'GET, HEAD'],
      ['DELETE', '/v1/models', 'GET, HEAD'],
      ['PUT', '/v1/models/sentiment', 'GET, HEAD'],
      ['GET', '/v1/models/sentiment/predict', 'POST'],
    ];
    for (const [method, route, allow] of cases) {
      const res = await fetch(`${server.url}${route}`, { method });
      expect([res.status, res.headers.get('allow')]).toEqual([405, allow]);
    }
  });

  it('answers request headers over the limit with 431 and closes the connection', async () => {
    const reply = await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(reply).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(reply).toMatch(/Connection: close/);
    expect(JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4))).toEqual({
      error: 'request headers too large',
      hint: 'send smaller headers (cookies, tokens); the limit is 16 KiB in all',
    });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
