// Checksums of downloaded files: one read computes every digest a source publishes.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

import { SetupError } from './errors';

export interface FileDigests {
  bytes: number;
  sha1: string;
  sha256: string;
}

export interface ExpectedDigests {
  bytes?: number;
  sha1?: string;
  sha256?: string;
}

export async function hashFile(file: string): Promise<FileDigests> {
  const sha1 = createHash('sha1');
  const sha256 = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    sha1.update(chunk as Buffer);
    sha256.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha1: sha1.digest('hex'), sha256: sha256.digest('hex') };
}

/** The first expectation `actual` fails, as [what, expected, got]; undefined when all hold. */
export function firstMismatch(actual: FileDigests, expected: ExpectedDigests): [string, string, string] | undefined {
  if (expected.bytes !== undefined && expected.bytes !== actual.bytes) return ['size', `${expected.bytes} bytes`, `${actual.bytes} bytes`];
  if (expected.sha256 !== undefined && expected.sha256.toLowerCase() !== actual.sha256) return ['sha256', expected.sha256, actual.sha256];
  if (expected.sha1 !== undefined && expected.sha1.toLowerCase() !== actual.sha1) return ['sha1', expected.sha1, actual.sha1];
  return undefined;
}

/** Hashes a finished download; a mismatch deletes it (a retry then starts afresh) and says what differed. */
export async function verifyDownload(file: string, url: string, expected: ExpectedDigests): Promise<FileDigests> {
  const actual = await hashFile(file);
  const mismatch = firstMismatch(actual, expected);
  if (!mismatch) return actual;
  await fs.rm(file, { force: true });
  throw checksumError(path.basename(url), url, mismatch);
}

export function checksumError(name: string, url: string, [what, expected, got]: [string, string, string]): SetupError {
  return new SetupError(
    `checksum mismatch for ${name}: expected ${what} ${expected}, got ${got} (from ${url}; the download was deleted)`,
    'run the command again to download it afresh; if it keeps failing, the server (or KILN_MAVEN_REPOSITORY / KILN_PYPI_INDEX) serves a different file',
  );
}
