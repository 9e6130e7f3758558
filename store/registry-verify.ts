// A registered version is a copy of a model artifact plus its registry.json, so the copy minus that file must
// still have the artifact's digest. `kiln serve` checks it before loading a version, `kiln store verify` always.
import fs from 'node:fs/promises';
import path from 'node:path';

import { directoryDigest } from './artifacts';
import { fsyncPath } from './atomic';
import { RECORD_FILE } from './registry';
import type { VersionRecord } from './registry-types';
import { cachedSha256File } from './verified-cache';

/** Why the copy in `dir` is not what `record` registered; undefined when it is. */
export async function versionCopyProblem(dir: string, record: VersionRecord, options: { cached?: boolean } = {}): Promise<string | undefined> {
  const hashFile = options.cached ? cachedSha256File : undefined;
  try {
    const found = await directoryDigest(dir, { hashFile, skip: [RECORD_FILE] });
    if (`sha256:${found.hex}` === record.digest) return undefined;
    return `its files hash to sha256:${found.hex}, not the ${record.digest} registered for ${record.name}:${record.version}`;
  } catch (error) {
    return `cannot be read: ${(error as Error).message}`;
  }
}

/** Replaces the files of a version copy with those of `sourceDir` (an intact artifact), keeping its registry.json. */
export async function restoreVersionCopy(dir: string, sourceDir: string): Promise<void> {
  const staging = `${dir}.restore-${process.pid}`;
  await fs.rm(staging, { recursive: true, force: true });
  await fs.cp(sourceDir, staging, { recursive: true });
  await fs.copyFile(path.join(dir, RECORD_FILE), path.join(staging, RECORD_FILE));
  const aside = `${dir}.corrupt-${process.pid}`;
  // A server resolving the version between the two renames gets "no such version" once, never a torn copy.
  await fs.rename(dir, aside);
  await fs.rename(staging, dir);
  await fsyncPath(path.dirname(dir));
  await fs.rm(aside, { recursive: true, force: true });
}
