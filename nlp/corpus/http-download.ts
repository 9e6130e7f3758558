import fs from 'node:fs/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';

import { CorpusInputError } from './errors';

export interface DownloadOptions {
  url: string;
  /** The partial file. What it already holds is kept and the rest requested with a Range header. */
  dest: string;
  /** Called after every chunk with the bytes on disk so far. */
  onProgress?: (bytes: number, total: number | null) => void;
  signal?: AbortSignal;
  /** A connection silent for this long is dropped (a retryable error). Default 30 s. */
  idleTimeoutMs?: number;
}

export interface DownloadResult {
  bytes: number;
  /** Bytes that were already on disk and not fetched again. */
  resumedFrom: number;
}

/** An HTTP status that is an answer, not a hiccup: a 4xx other than 408 and 429. Retrying cannot help. */
export class HttpStatusError extends Error {
  constructor(
    readonly url: string,
    readonly status: number,
    statusText: string,
  ) {
    super(`downloading ${url}: HTTP ${status}${statusText ? ` ${statusText}` : ''}`);
    this.name = 'HttpStatusError';
  }
}

/** 408 (timeout) and 429 (rate limit) are worth waiting for; other 4xx are final. 5xx are transient. */
export function isRetryableStatus(status: number): boolean {
  return !(status >= 400 && status < 500) || status === 408 || status === 429;
}

const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Downloads `url` into `dest`, resuming what an earlier attempt left there: `Range: bytes=<size>-` answered by
 * 206 appends, by 200 starts over, by 416 means the file is complete. A validator saved beside the partial file
 * (`<dest>.json`: ETag or Last-Modified) goes out as If-Range, so a changed upstream file is fetched whole rather
 * than spliced. Network errors and short bodies are plain errors: calling again continues where this stopped.
 */
export async function downloadFile(options: DownloadOptions): Promise<DownloadResult> {
  const { url, dest } = options;
  const existing = await fileSize(dest);
  const headers: Record<string, string> = { 'user-agent': 'kiln', accept: '*/*' };
  if (existing > 0) {
    headers.range = `bytes=${existing}-`;
    const validator = await readValidator(dest, url);
    if (validator) headers['if-range'] = validator;
  }
  const res = await get(url, headers, options);
  try {
    if (res.statusCode === 416 && existing > 0) {
      const total = /^bytes \*\/(\d+)$/u.exec(res.headers['content-range'] ?? '')?.[1];
      if (total !== undefined && Number(total) !== existing) {
        await removeDownload(dest);
        throw new Error(`downloading ${url}: server has ${total} bytes, the partial file ${existing}; starting over`);
      }
      return { bytes: existing, resumedFrom: existing };
    }
    if (res.statusCode === 206 && existing > 0) {
      const start = /^bytes (\d+)-/u.exec(res.headers['content-range'] ?? '')?.[1];
      if (Number(start) !== existing) {
        await removeDownload(dest);
        throw new Error(`downloading ${url}: asked to resume at ${existing}, server sent ${start ?? 'no'} range`);
      }
      return await receive(res, dest, existing, options);
    }
    if (res.statusCode === 200) {
      await writeValidator(dest, url, res);
      return await receive(res, dest, 0, options);
    }
    const status = res.statusCode ?? 0;
    if (!isRetryableStatus(status)) {
      await removeDownload(dest);
      throw new HttpStatusError(url, status, res.statusMessage ?? '');
    }
    throw new Error(`downloading ${url}: HTTP ${status} ${res.statusMessage ?? ''}`.trim());
  } finally {
    res.resume(); // drain whatever is left so the socket is released
  }
}

/** Deletes a partial download and its validator. */
export async function removeDownload(dest: string): Promise<void> {
  await fs.rm(dest, { force: true });
  await fs.rm(`${dest}.json`, { force: true });
}

/** Appends the body to `dest` chunk by chunk, so whatever arrived before a failure is on disk for the retry. */
async function receive(res: IncomingMessage, dest: string, offset: number, options: DownloadOptions): Promise<DownloadResult> {
  const length = res.headers['content-length'];
  const total = length === undefined ? null : offset + Number(length);
  const handle = await fs.open(dest, offset === 0 ? 'w' : 'a');
  let bytes = offset;
  try {
    for await (const chunk of res) {
      await handle.write(chunk as Buffer);
      bytes += (chunk as Buffer).length;
      options.onProgress?.(bytes, total);
    }
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason ?? error; // cancelled, not failed: keep the reason
    throw new Error(`downloading ${options.url}: ${messageOf(error)} after ${bytes} bytes`, { cause: error });
  } finally {
    await handle.close();
  }
  if (total !== null && bytes !== total) {
    throw new Error(`downloading ${options.url}: connection closed after ${bytes} of ${total} bytes`);
  }
  return { bytes, resumedFrom: offset };
}

/** A GET that follows redirects and resolves with the final response, body unread. */
async function get(url: string, headers: Record<string, string>, options: DownloadOptions): Promise<IncomingMessage> {
  let current = new URL(url);
  for (let hop = 0; ; hop += 1) {
    if (current.protocol !== 'http:' && current.protocol !== 'https:') {
      throw new CorpusInputError(`downloading ${url}: ${current.protocol} is not supported`, 'use an http(s):// url');
    }
    const res = await request(current, headers, options);
    const location = res.headers.location;
    if (!REDIRECTS.has(res.statusCode ?? 0) || location === undefined) return res;
    res.resume();
    if (hop >= MAX_REDIRECTS) throw new CorpusInputError(`downloading ${url}: more than ${MAX_REDIRECTS} redirects`);
    current = new URL(location, current);
  }
}

function request(url: URL, headers: Record<string, string>, options: DownloadOptions): Promise<IncomingMessage> {
  const timeout = options.idleTimeoutMs ?? 30_000;
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    // agent: false — a fresh connection per request, none left open to keep a worker (or a test) alive.
    const req = client.get(url, { headers, agent: false, signal: options.signal }, resolve);
    req.setTimeout(timeout, () => req.destroy(new Error(`no data for ${timeout} ms`)));
    req.on('error', (error) => {
      if (options.signal?.aborted) reject(options.signal.reason ?? error);
      else reject(new Error(`downloading ${url.href}: ${messageOf(error)}`, { cause: error }));
    });
  });
}

async function fileSize(file: string): Promise<number> {
  return fs.stat(file).then(
    (stat) => stat.size,
    () => 0,
  );
}

async function readValidator(dest: string, url: string): Promise<string | undefined> {
  try {
    const saved = JSON.parse(await fs.readFile(`${dest}.json`, 'utf8')) as { url?: string; validator?: string };
    return saved.url === url ? saved.validator : undefined;
  } catch {
    return undefined;
  }
}

async function writeValidator(dest: string, url: string, res: IncomingMessage): Promise<void> {
  const etag = res.headers.etag;
  // If-Range needs a strong validator: a weak ETag would make every resume start over anyway.
  const validator = etag && !etag.startsWith('W/') ? etag : res.headers['last-modified'];
  if (validator) await fs.writeFile(`${dest}.json`, JSON.stringify({ url, validator }) + '\n');
  else await fs.rm(`${dest}.json`, { force: true });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
