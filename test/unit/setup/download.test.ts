import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { downloadVerified } from '../../../setup/download';
import { SetupError } from '../../../setup/errors';
import { collectingReporter } from '../../../setup/progress';
import { findWheelUrl } from '../../../setup/pypi-headers';

const BODY = Buffer.from('libtensorflow, pretend\n'.repeat(1000));
const SHA256 = createHash('sha256').update(BODY).digest('hex');
const SHA1 = createHash('sha1').update(BODY).digest('hex');
const WHEEL = 'tensorflow_cpu-2.18.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl';
const WHEEL_SHA = 'a'.repeat(64);

let server: http.Server;
let base: string;
let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-setup-download-'));
  server = http.createServer((req, res) => {
    if (req.url === '/lib.jar') return void res.writeHead(200, { 'content-length': BODY.length }).end(BODY);
    if (req.url === '/json/tensorflow-cpu/') {
      const files = [{ filename: WHEEL, url: `../../files/${WHEEL}`, hashes: { sha256: WHEEL_SHA } }];
      return void res.writeHead(200, { 'content-type': 'application/vnd.pypi.simple.v1+json' }).end(JSON.stringify({ files }));
    }
    if (req.url === '/html/tensorflow-cpu/') {
      const html = `<html><body><a href="https://files.example/x/other.whl#sha256=${'b'.repeat(64)}">other.whl</a>\n<a href="https://files.example/p/${WHEEL}#sha256=${WHEEL_SHA}" data-requires-python="&gt;=3.9">${WHEEL}</a></body></html>`;
      return void res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    }
    res.writeHead(404, 'Not Found').end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await fs.rm(dir, { recursive: true, force: true });
});

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(() => true, () => false);
}

describe('downloadVerified', () => {
  it('renames the download into place once its size, sha256 and sha1 match', async () => {
    const dest = path.join(dir, 'good.jar');
    const digests = await downloadVerified({ url: `${base}/lib.jar`, dest, expected: { bytes: BODY.length, sha256: SHA256, sha1: SHA1 }, label: 'lib', reporter: collectingReporter([]) });
    expect(digests).toEqual({ bytes: BODY.length, sha1: SHA1, sha256: SHA256 });
    expect((await fs.readFile(dest)).equals(BODY)).toBe(true);
    expect(await exists(`${dest}.partial`)).toBe(false);
  });

  it('a checksum mismatch names expected and got, and deletes the partial file', async () => {
    const dest = path.join(dir, 'bad.jar');
    const wrong = '0'.repeat(64);
    const attempt = downloadVerified({ url: `${base}/lib.jar`, dest, expected: { sha256: wrong }, label: 'lib', reporter: collectingReporter([]) });
    await expect(attempt).rejects.toThrow(
      `checksum mismatch for lib.jar: expected sha256 ${wrong}, got ${SHA256} (from ${base}/lib.jar; the download was deleted)`,
    );
    await expect(attempt).rejects.toBeInstanceOf(SetupError);
    expect(await exists(dest)).toBe(false);
    expect(await exists(`${dest}.partial`)).toBe(false);
  });

  it('a 404 is a one-line error carrying the hint, without retries', async () => {
    const lines: string[] = [];
    const attempt = downloadVerified({ url: `${base}/missing.jar`, dest: path.join(dir, 'm.jar'), expected: {}, label: 'm', reporter: collectingReporter(lines), hint: 'set KILN_MAVEN_REPOSITORY' });
    await expect(attempt).rejects.toMatchObject({ message: `downloading ${base}/missing.jar: HTTP 404 Not Found`, hint: 'set KILN_MAVEN_REPOSITORY' });
    expect(lines).toEqual([]);
  });
});

describe('findWheelUrl', () => {
  it('reads the JSON simple index and resolves a relative URL against the page', async () => {
    expect(await findWheelUrl(`${base}/json`, 'tensorflow-cpu', WHEEL, WHEEL_SHA)).toBe(`${base}/files/${WHEEL}`);
  });

  it('reads the HTML simple index that mirrors serve, dropping the #sha256 fragment', async () => {
    expect(await findWheelUrl(`${base}/html`, 'tensorflow-cpu', WHEEL, WHEEL_SHA)).toBe(`https://files.example/p/${WHEEL}`);
  });

  it('refuses a wheel the index lists with another sha256', async () => {
    await expect(findWheelUrl(`${base}/json`, 'tensorflow-cpu', WHEEL, 'c'.repeat(64))).rejects.toThrow(
      `${base}/json/tensorflow-cpu/ lists sha256 ${WHEEL_SHA} for ${WHEEL}, but kiln expects ${'c'.repeat(64)}`,
    );
  });
});
