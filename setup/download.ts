// Downloads for `kiln setup`: resumable (nlp/corpus/http-download.ts does Range requests), retried, shown with a
// meter, checksum-verified, and only renamed to their final name once verified.
import fs from 'node:fs/promises';
import path from 'node:path';

import { downloadFile, HttpStatusError } from '../nlp/corpus/http-download';
import { verifyDownload, type ExpectedDigests, type FileDigests } from './checksum';
import { SetupError } from './errors';
import type { SetupReporter } from './progress';

export interface DownloadRequest {
  url: string;
  dest: string;
  expected: ExpectedDigests;
  label: string;
  reporter: SetupReporter;
  /** Tries before giving up; each continues where the last stopped. */
  attempts?: number;
  /** Where the URL can be changed, for the hint. */
  hint?: string;
}

/** Downloads `url` to `dest` via `dest.partial`; `dest` exists only once its checksums match. */
export async function downloadVerified(request: DownloadRequest): Promise<FileDigests> {
  const { url, dest, reporter } = request;
  const partial = `${dest}.partial`;
  await fs.mkdir(path.dirname(dest), { recursive: true });
  const attempts = request.attempts ?? 4;
  for (let attempt = 1; ; attempt += 1) {
    const meter = reporter.meter(request.label);
    try {
      await downloadFile({ url, dest: partial, onProgress: (bytes, total) => meter.update(bytes, total) });
      meter.done();
      break;
    } catch (error) {
      meter.done();
      if (error instanceof HttpStatusError) throw new SetupError(`${error.message}`, request.hint);
      const message = error instanceof Error ? error.message : String(error);
      if (attempt >= attempts) {
        throw new SetupError(`${message} (gave up after ${attempts} attempts)`, 'check the network and run the command again: it resumes the partial download');
      }
      reporter.line(`  ${message}; retrying (${attempt + 1}/${attempts})`);
      await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
    }
  }
  try {
    const digests = await verifyDownload(partial, url, request.expected);
    await fs.rename(partial, dest);
    return digests;
  } finally {
    await fs.rm(`${partial}.json`, { force: true }); // http-download's resume validator
  }
}

/** A small text resource (a `.sha1` file, an index page); network errors and 5xx are retried. */
export async function fetchText(url: string, options: { accept?: string; hint?: string; attempts?: number } = {}): Promise<{ text: string; contentType: string }> {
  const attempts = options.attempts ?? 3;
  for (let attempt = 1; ; attempt += 1) {
    let failure: string;
    try {
      const response = await fetch(url, { headers: { accept: options.accept ?? '*/*', 'user-agent': 'kiln' }, signal: AbortSignal.timeout(30_000) });
      if (response.ok) return { text: await response.text(), contentType: response.headers.get('content-type') ?? '' };
      failure = `HTTP ${response.status} ${response.statusText}`.trim();
      if (response.status < 500) throw new SetupError(`fetching ${url}: ${failure}`, options.hint);
    } catch (error) {
      if (error instanceof SetupError) throw error;
      failure = error instanceof Error ? error.message : String(error);
    }
    if (attempt >= attempts) throw new SetupError(`fetching ${url}: ${failure} (gave up after ${attempts} attempts)`, 'check the network and run the command again');
    await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
  }
}
