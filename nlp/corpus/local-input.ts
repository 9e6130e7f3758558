import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

import { sha256File } from '../../store/atomic';
import { ChecksumError, CorpusInputError } from './errors';
import { downloadFile, HttpStatusError, removeDownload } from './http-download';
import { resolveInputPath } from '../../system/input-path';

/** Raw bytes of a url or file source, on local disk. */
export interface LocalInput {
  path: string;
  sha256: string;
  bytes: number;
  /** Removes what was downloaded for this input (nothing for a user's file). */
  cleanup: () => Promise<void>;
}

export interface FetchOptions {
  /** Where partial downloads live between attempts. */
  workDir: string;
  onProgress?: (bytes: number, total: number | null) => void;
  signal?: AbortSignal;
}

/** The partial file for a url: named by the url's hash, so a retry of the same step finds and resumes it. */
export function downloadPath(workDir: string, url: string): string {
  return path.join(workDir, 'downloads', `${createHash('sha256').update(url).digest('hex')}.part`);
}

/** Download (or finish downloading) a url, then check its sha256. A mismatch deletes the download. */
export async function fetchUrl(url: string, expected: string | undefined, options: FetchOptions): Promise<LocalInput> {
  const dest = downloadPath(options.workDir, url);
  await fs.mkdir(path.dirname(dest), { recursive: true });
  try {
    await downloadFile({ url, dest, onProgress: options.onProgress, signal: options.signal });
  } catch (error) {
    if (error instanceof HttpStatusError) {
      throw new CorpusInputError(error.message, 'check the url in the pipeline: the server refused it');
    }
    throw error;
  }
  const { hex, bytes } = await sha256File(dest);
  if (expected && hex !== expected) {
    await removeDownload(dest);
    throw new ChecksumError(`downloaded ${url}`, hex, expected);
  }
  return { path: dest, sha256: hex, bytes, cleanup: () => removeDownload(dest) };
}

/** A local file, relative to the pipeline's directory; its sha256 is checked when the pipeline gives one. */
export async function openFile(file: string, expected: string | undefined, baseDir: string): Promise<LocalInput> {
  const resolved = resolveInputPath(baseDir, file);
  const stat = await fs.stat(resolved).catch(() => undefined);
  if (!stat?.isFile()) {
    throw new CorpusInputError(
      `file ${resolved} ${stat ? 'is not a regular file' : 'does not exist'}`,
      'relative paths are resolved against the pipeline file\'s directory',
    );
  }
  let digest: { hex: string; bytes: number };
  try {
    digest = await sha256File(resolved);
  } catch (error) {
    throw new CorpusInputError(`cannot read ${resolved}: ${(error as Error).message}`, 'check the file\'s permissions');
  }
  if (expected && digest.hex !== expected) throw new ChecksumError(resolved, digest.hex, expected);
  return { path: resolved, sha256: digest.hex, bytes: digest.bytes, cleanup: async () => undefined };
}
