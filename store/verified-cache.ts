// A per-process memo of file digests keyed by what stat says about the file. Re-verifying an artifact a step
// reads, a cache hit names or a put finds already stored then costs a stat per file, not a re-hash. Any write
// changes ctime (which user space cannot set back), so an edited file is always hashed again. File times are
// coarse (a kernel tick), so a file changed within RACY_MS of being hashed is not remembered: a second write in
// the same tick could keep every stamp field the same (git's "racy clean" problem).
import fs from 'node:fs/promises';

import { sha256File } from './atomic';

interface Known {
  stamp: string;
  hex: string;
  bytes: number;
}

const MAX_ENTRIES = 100_000;
const RACY_MS = 50;
const known = new Map<string, Known>();

async function stampOf(file: string): Promise<{ stamp: string; changedMs: number }> {
  const s = await fs.stat(file, { bigint: true });
  const changedMs = Number((s.ctimeNs > s.mtimeNs ? s.ctimeNs : s.mtimeNs) / 1_000_000n);
  return { stamp: `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`, changedMs };
}

/** sha256File, remembered while the file's (device, inode, size, mtime, ctime) stay the same. */
export async function cachedSha256File(file: string): Promise<{ hex: string; bytes: number }> {
  const startedMs = Date.now();
  const before = await stampOf(file);
  const hit = known.get(file);
  if (hit?.stamp === before.stamp) return { hex: hit.hex, bytes: hit.bytes };
  const found = await sha256File(file);
  // Only remember a hash that no write overlapped, of a file not changed in the last tick or so.
  const settled = startedMs - before.changedMs > RACY_MS;
  if (settled && (await stampOf(file)).stamp === before.stamp) {
    if (known.size >= MAX_ENTRIES) known.clear();
    known.set(file, { stamp: before.stamp, ...found });
  }
  return found;
}

/** For tests that need a cold process. */
export function forgetVerifiedFiles(): void {
  known.clear();
}
