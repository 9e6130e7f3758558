import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { downloadFile, HttpStatusError, isRetryableStatus } from '../../../nlp/corpus/http-download';

const BODY = Buffer.from('0123456789'.repeat(100));
let server: http.Server;
let base: string;
let dir: string;
const ranges: Array<string | undefined> = [];

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-corpus-http-'));
  server = http.createServer((req, res) => {
    ranges.push(req.headers.range);
    const start = Number(/^bytes=(\d+)-$/u.exec(req.headers.range ?? '')?.[1] ?? NaN);
    if (req.url === '/ignores-range') return void res.writeHead(200, { 'content-length': BODY.length }).end(BODY);
    if (req.url === '/moved') return void res.writeHead(302, { location: '/file' }).end();
    if (req.url === '/busy') return void res.writeHead(503).end();
    if (req.url === '/gone') return void res.writeHead(410).end();
    if (req.url !== '/file') return void res.writeHead(404).end();
    if (Number.isNaN(start) || req.headers['if-range'] !== '"v2"') {
      return void res.writeHead(200, { 'content-length': BODY.length, etag: '"v2"' }).end(BODY);
    }
    if (start >= BODY.length) return void res.writeHead(416, { 'content-range': `bytes */${BODY.length}` }).end();
    res.writeHead(206, { 'content-range': `bytes ${start}-${BODY.length - 1}/${BODY.length}` }).end(BODY.subarray(start));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await fs.rm(dir, { recursive: true, force: true });
});

async function partial(name: string, bytes: Buffer, validator?: { url: string; validator: string }): Promise<string> {
  const dest = path.join(dir, name);
  await fs.writeFile(dest, bytes);
  if (validator) await fs.writeFile(`${dest}.json`, JSON.stringify(validator));
  return dest;
}

describe('downloadFile', () => {
  it('appends a 206 when the validator matches, and follows redirects', async () => {
    const url = `${base}/moved`;
    const dest = await partial('resume', BODY.subarray(0, 300), { url, validator: '"v2"' });
    ranges.length = 0;
    expect(await downloadFile({ url, dest })).toEqual({ bytes: BODY.length, resumedFrom: 300 });
    expect(await fs.readFile(dest)).toEqual(BODY);
    expect(ranges).toEqual(['bytes=300-', 'bytes=300-']);
  });

  it('starts over when the validator is stale or the server ignores Range', async () => {
    const stale = await partial('stale', Buffer.from('XXXX'), { url: `${base}/file`, validator: '"v1"' });
    expect(await downloadFile({ url: `${base}/file`, dest: stale })).toEqual({ bytes: BODY.length, resumedFrom: 0 });
    expect(await fs.readFile(stale)).toEqual(BODY);
    expect(JSON.parse(await fs.readFile(`${stale}.json`, 'utf8'))).toEqual({ url: `${base}/file`, validator: '"v2"' });
    const ignored = await partial('ignored', Buffer.from('XXXX'));
    await downloadFile({ url: `${base}/ignores-range`, dest: ignored });
    expect(await fs.readFile(ignored)).toEqual(BODY);
  });

  it('treats 416 on a complete partial file as done', async () => {
    const url = `${base}/file`;
    const dest = await partial('complete', BODY, { url, validator: '"v2"' });
    expect(await downloadFile({ url, dest })).toEqual({ bytes: BODY.length, resumedFrom: BODY.length });
  });

  it('makes 4xx final (except 408 and 429) and everything else retryable', async () => {
    const gone = downloadFile({ url: `${base}/gone`, dest: path.join(dir, 'gone') });
    await expect(gone).rejects.toBeInstanceOf(HttpStatusError);
    await expect(gone).rejects.toThrow(`downloading ${base}/gone: HTTP 410 Gone`);
    const busy = downloadFile({ url: `${base}/busy`, dest: path.join(dir, 'busy') });
    await expect(busy).rejects.toThrow('HTTP 503');
    await expect(busy).rejects.not.toBeInstanceOf(HttpStatusError);
    expect([400, 401, 403, 404, 410, 408, 429, 500, 502].map(isRetryableStatus)).toEqual([
      false, false, false, false, false, true, true, true, true,
    ]);
  });

  it('turns a refused connection into a retryable error naming the url', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/x`;
    await new Promise((resolve) => closed.close(resolve));
    const refused = downloadFile({ url, dest: path.join(dir, 'refused') });
    await expect(refused).rejects.toThrow(`downloading ${url}`);
    await expect(refused).rejects.not.toBeInstanceOf(HttpStatusError);
  });
});
