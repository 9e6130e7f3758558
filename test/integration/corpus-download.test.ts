import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { activityDeps } from '../../activities/deps';
import { corpusDownload } from '../../activities/corpus-download';
import type { Json } from '../../contract/json';
import type { StepResult } from '../../compiler/types';
import { ArtifactStore } from '../../store/artifacts';
import type { ArtifactRef } from '../../store/types';

// Three documents (separated by two blank lines), a few paragraphs, ~20 KB: big enough to cut in half.
const TEXT = Array.from({ length: 3 }, (_, doc) =>
  Array.from({ length: 4 }, (_, para) =>
    Array.from({ length: 30 }, (_, i) => `Mr. Smith wrote line ${doc}.${para}.${i} of the\ntest text. It is short!`).join(' '),
  ).join('\n\n'),
).join('\n\n\n');
const BODY = Buffer.from(TEXT);
const GZIPPED = gzipSync(BODY);
const ETAG = '"v1"';

interface Seen {
  path: string;
  range: string | undefined;
}

let server: http.Server;
let base: string;
let dir: string;
let store: ArtifactStore;
const seen: Seen[] = [];
let flakyRequests = 0;

/** Serves bytes with Range and If-Range support, as a well-behaved static file server does. */
function serve(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
  const range = /^bytes=(\d+)-$/u.exec(req.headers.range ?? '');
  const ifRange = req.headers['if-range'];
  if (!range || (ifRange !== undefined && ifRange !== ETAG)) {
    res.writeHead(200, { 'content-length': body.length, etag: ETAG });
    res.end(body);
    return;
  }
  const start = Number(range[1]);
  if (start >= body.length) {
    res.writeHead(416, { 'content-range': `bytes */${body.length}` });
    res.end();
    return;
  }
  res.writeHead(206, { 'content-length': body.length - start, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}`, etag: ETAG });
  res.end(body.subarray(start));
}

function handle(req: http.IncomingMessage, res: http.ServerResponse): void {
  seen.push({ path: req.url ?? '', range: req.headers.range });
  if (req.url === '/corpus.txt') return serve(req, res, BODY);
  if (req.url === '/archive.bin') return serve(req, res, GZIPPED); // gzip without a .gz name
  if (req.url === '/flaky.txt') {
    flakyRequests += 1;
    if (flakyRequests > 1) return serve(req, res, BODY);
    // First request: promise the whole file, send half, then drop the connection.
    res.writeHead(200, { 'content-length': BODY.length, etag: ETAG });
    res.write(BODY.subarray(0, BODY.length >> 1), () => setTimeout(() => res.socket?.destroy(), 50));
    return;
  }
  if (req.url === '/stall.txt') {
    res.writeHead(200, { 'content-length': BODY.length });
    res.write(BODY.subarray(0, 100)); // ...and nothing more until the client gives up
    return;
  }
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found');
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-corpus-download-'));
  store = new ArtifactStore(path.join(dir, 'store'));
  await fs.mkdir(path.join(dir, 'pipelines', 'data'), { recursive: true });
  await fs.writeFile(path.join(dir, 'pipelines', 'data', 'corpus.txt'), BODY);
  server = http.createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await fs.rm(dir, { recursive: true, force: true });
});

const heartbeats: unknown[] = [];

async function runStep(inputs: { [key: string]: Json }, attempt = 1, onStart?: (env: MockActivityEnvironment) => void): Promise<StepResult> {
  const env = new MockActivityEnvironment({ attempt }, { logger: new DefaultLogger('ERROR') });
  env.on('heartbeat', (details: unknown) => heartbeats.push(details));
  onStart?.(env);
  const activity = corpusDownload(activityDeps(dir));
  return env.run(activity, { runId: 'r', workflowId: 'w', pipeline: 'test', cache: false, resumedFrom: [], stepId: 'corpus', baseDir: path.join(dir, 'pipelines'), inputs });
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

function corpusOf(result: StepResult): ArtifactRef {
  return result.outputs.corpus as ArtifactRef;
}

describe('corpus/download@v1', () => {
  it('plain and gzip downloads give the same corpus in the store, with stats', async () => {
    heartbeats.length = 0;
    const plain = await runStep({ sources: [{ url: `${base}/corpus.txt` }] });
    expect(heartbeats[0]).toMatchObject({ phase: 'download', source: `${base}/corpus.txt`, bytes: expect.any(Number) });
    const gzip = await runStep({ sources: [{ url: `${base}/archive.bin` }] });
    const ref = corpusOf(plain);
    expect(corpusOf(gzip).digest).toBe(ref.digest);
    expect(ref.kind).toBe('corpus');
    expect(await store.verify(ref)).toBe(true);
    const text = await fs.readFile(store.pathOf(ref), 'utf8');
    expect(text.split('\n\n')).toHaveLength(3);
    expect(text.split('\n')[0]).toBe('Mr. Smith wrote line 0.0.0 of the test text.');
    expect(ref.meta).toEqual({ documents: 3, sentences: 720, words: 360 * (9 + 3), bytes: Buffer.byteLength(text) });
    const stats = plain.outputs.stats as { [key: string]: Json };
    expect(stats).toMatchObject({ documents: 3, sentences: 720, bytes: ref.bytes });
    expect(stats.sources).toEqual([
      expect.objectContaining({ source: `${base}/corpus.txt`, sha256: sha256(BODY), inputBytes: BODY.length }),
    ]);
    expect((gzip.outputs.stats as { sources: Array<{ inputBytes: number }> }).sources[0]?.inputBytes).toBe(GZIPPED.length);
    // The download is removed once the corpus is stored.
    expect(await fs.readdir(path.join(dir, 'work', 'downloads'))).toEqual([]);
  });

  it('resumes with a Range request after the connection dropped halfway', async () => {
    const url = `${base}/flaky.txt`;
    const first = await runStep({ sources: [{ url, sha256: sha256(BODY) }] }, 1).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(first).toBeInstanceOf(Error);
    expect((first as Partial<ApplicationFailure>).nonRetryable ?? false).toBe(false);
    expect(first?.message).toContain(url);

    const second = await runStep({ sources: [{ url, sha256: sha256(BODY) }] }, 2);
    expect(second.attempt).toBe(2);
    const ranges = seen.filter((s) => s.path === '/flaky.txt').map((s) => s.range);
    expect(ranges).toHaveLength(2);
    expect(ranges[0]).toBeUndefined();
    const resumedAt = Number(/^bytes=(\d+)-$/u.exec(ranges[1] ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThan(BODY.length);
    const plain = await runStep({ sources: [{ url: `${base}/corpus.txt` }] });
    expect(corpusOf(second).digest).toBe(corpusOf(plain).digest);
  });

  it('fails without retry on a sha256 mismatch and deletes the download', async () => {
    const url = `${base}/corpus.txt`;
    const wrong = '0'.repeat(64);
    const failure = await failureOf(runStep({ sources: [{ url, sha256: wrong }] }));
    expect(failure.type).toBe('ChecksumMismatch');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain(`downloaded ${url}: sha256 is ${sha256(BODY)}, expected ${wrong}`);
    expect(await fs.readdir(path.join(dir, 'work', 'downloads'))).toEqual([]);
  });

  it('fails without retry on 404, naming the url and the status', async () => {
    const url = `${base}/missing.txt`;
    const failure = await failureOf(runStep({ sources: [{ url }] }));
    expect(failure.type).toBe('InvalidInput');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain(`downloading ${url}: HTTP 404`);
  });

  it('stops a stalled download when the activity is cancelled', async () => {
    const cancelled = runStep({ sources: [{ url: `${base}/stall.txt` }] }, 1, (env) => setTimeout(() => env.cancel(), 200));
    await expect(cancelled).rejects.toBeInstanceOf(CancelledFailure);
  });

  it('reads a file relative to the pipeline directory', async () => {
    const fromFile = await runStep({ sources: [{ file: 'data/corpus.txt', sha256: sha256(BODY) }] });
    const plain = await runStep({ sources: [{ url: `${base}/corpus.txt` }] });
    expect(corpusOf(fromFile).digest).toBe(corpusOf(plain).digest);
    expect((fromFile.outputs.stats as { sources: Array<{ source: string }> }).sources[0]?.source).toBe('file:data/corpus.txt');
  });

  it('fails without retry on a missing file, naming the resolved path', async () => {
    const failure = await failureOf(runStep({ sources: [{ file: 'data/nope.txt' }] }));
    expect(failure.type).toBe('InvalidInput');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain(path.join(dir, 'pipelines', 'data', 'nope.txt'));
  });
});

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
