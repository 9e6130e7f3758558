import fs from 'node:fs/promises';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { cacheMaxBytes, DEFAULT_CACHE_MAX_BYTES, makeRoomInCache, openArtifacts, trimCache } from '../../../store/remote/cache-bound';
import { artifactHex } from '../../../store/references';
import type { ArtifactRef } from '../../../store/types';
import { putDir, tempHome, type TempHome } from './helpers';

const HOUR = 3_600_000;
const NOW = Date.parse('2030-01-01T12:00:00Z');

let t: TempHome;
let a: ArtifactRef[];

/** Marks an artifact (each file of a directory) as last read `hoursAgo` before `now`, written long before. */
async function usedAt(ref: ArtifactRef, hoursAgo: number, now = NOW): Promise<void> {
  const target = t.store.pathOf(ref);
  const read = (now - hoursAgo * HOUR) / 1000;
  const written = (now - 100 * HOUR) / 1000;
  const files = (await fs.stat(target)).isDirectory() ? (await fs.readdir(target, { recursive: true })).map((f) => path.join(target, f)) : [];
  for (const file of [...files, target]) await fs.utimes(file, read, written);
}

const hexes = (...refs: ArtifactRef[]) => refs.map(artifactHex);
const cached = async () => (await fs.readdir(path.join(t.store.root, 'sha256'))).sort();
const none = async () => new Set<string>();

beforeEach(async () => {
  t = await tempHome();
  // Four artifacts of 100 bytes each, and a directory; used, oldest first: a[2], a[0], a[4], a[1], a[3].
  a = [];
  for (const fill of ['a', 'b', 'c', 'd']) {
    const file = path.join(await t.store.stagingDir('test'), 'blob');
    await fs.writeFile(file, fill.repeat(100));
    a.push(await t.store.putFile(file, { kind: 'blob' }));
  }
  a.push(await putDir(t.store, 'tok'));
  for (const [i, hoursAgo] of [30, 5, 40, 2, 20].entries()) await usedAt(a[i]!, hoursAgo);
});

afterEach(async () => {
  await t.remove();
});

describe('KILN_CACHE_MAX_BYTES', () => {
  it('is 20 GiB unless set, in bytes or with a unit', () => {
    expect(cacheMaxBytes({})).toBe(DEFAULT_CACHE_MAX_BYTES);
    expect(DEFAULT_CACHE_MAX_BYTES).toBe(21_474_836_480);
    expect(cacheMaxBytes({ KILN_CACHE_MAX_BYTES: '1000' })).toBe(1000);
    expect(cacheMaxBytes({ KILN_CACHE_MAX_BYTES: '20GiB' })).toBe(21_474_836_480);
    expect(cacheMaxBytes({ KILN_CACHE_MAX_BYTES: '1.5 gib' })).toBe(1_610_612_736);
    expect(cacheMaxBytes({ KILN_CACHE_MAX_BYTES: '500MB' })).toBe(500_000_000);
  });

  it('refuses anything else, saying what it takes', () => {
    expect(() => cacheMaxBytes({ KILN_CACHE_MAX_BYTES: 'lots' })).toThrowErrorMatchingInlineSnapshot(`[ObjectStoreError: KILN_CACHE_MAX_BYTES=lots: not a size]`);
    try {
      cacheMaxBytes({ KILN_CACHE_MAX_BYTES: '20 GiBs' });
    } catch (error) {
      expect((error as { hint: string }).hint).toBe("give bytes (21474836480) or a size with a unit (20GiB, 500MB); it bounds this machine's cache of the shared store");
    }
  });
});

describe('trimCache', () => {
  it('evicts the least recently used until what is cached and what is coming fit', async () => {
    const dirBytes = a[4]!.bytes;
    const result = await trimCache(t.store.root, { maxBytes: 300 + dirBytes, incomingBytes: 100, now: NOW, openArtifacts: none });
    // 400 + dir + 100 incoming: a[2] (40 h) and a[0] (30 h) go, the directory (20 h) stays.
    expect(result.evicted.map((e) => e.hex)).toEqual(hexes(a[2]!, a[0]!));
    expect(result).toMatchObject({ bytesBefore: 400 + dirBytes, bytesAfter: 200 + dirBytes, overBy: 0 });
    expect(await cached()).toEqual(hexes(a[1]!, a[3]!, a[4]!).sort());
    // Nothing half-evicted is left behind.
    expect((await fs.readdir(path.join(t.store.root, 'tmp'))).filter((name) => name.startsWith('evict-'))).toEqual([]);
  });

  it('does nothing while everything fits', async () => {
    const result = await trimCache(t.store.root, { maxBytes: 10_000, incomingBytes: 100, now: NOW, openArtifacts: none });
    expect(result.evicted).toEqual([]);
    expect(await cached()).toHaveLength(5);
  });

  it('never evicts what was used in the last hour or is open, and says how far over the bound it stays', async () => {
    await usedAt(a[2]!, 0.5);
    const result = await trimCache(t.store.root, { maxBytes: 100, now: NOW, openArtifacts: async () => new Set(hexes(a[0]!, a[3]!)) });
    // a[2] is in use (30 minutes), a[0] and a[3] open: the directory and a[1] go, oldest first.
    expect(result.evicted.map((e) => e.hex)).toEqual(hexes(a[4]!, a[1]!));
    expect(result.overBy).toBe(200);
    expect(await cached()).toEqual(hexes(a[0]!, a[2]!, a[3]!).sort());
  });

  it('evicts the artifacts it is told to first, whatever the bound, but only idle ones', async () => {
    await usedAt(a[3]!, 0.5);
    const result = await trimCache(t.store.root, { maxBytes: 10_000, evict: new Set(hexes(a[1]!, a[3]!)), now: NOW, openArtifacts: none });
    expect(result.evicted.map((e) => e.hex)).toEqual(hexes(a[1]!));
  });

  it('a dry run says what it would evict and evicts nothing', async () => {
    const result = await trimCache(t.store.root, { maxBytes: 200, now: NOW, dryRun: true, openArtifacts: none });
    expect(result.evicted.map((e) => e.hex)).toEqual(hexes(a[2]!, a[0]!, a[4]!));
    expect(await cached()).toHaveLength(5);
  });

  it.runIf(process.platform === 'linux')('finds the artifacts a process holds a file of open', async () => {
    const handle = await fs.open(t.store.pathOf(a[1]!), 'r');
    try {
      expect(await openArtifacts(t.store.root)).toEqual(new Set(hexes(a[1]!)));
    } finally {
      await handle.close();
    }
    expect(await openArtifacts(t.store.root)).toEqual(new Set());
  });
});

describe('makeRoomInCache (the fetch hook)', () => {
  it('makes room for a fetched artifact under KILN_CACHE_MAX_BYTES, evicting the least recently used', async () => {
    const staging = await t.store.stagingDir('fetch');
    await fs.writeFile(path.join(staging, 'incoming'), 'x'.repeat(100));
    // The hook runs at the real time: the same ages as above, from now.
    for (const [i, hoursAgo] of [30, 5, 40, 2, 20].entries()) await usedAt(a[i]!, hoursAgo, Date.now());
    await makeRoomInCache(t.store.root, path.join(staging, 'incoming'), { KILN_CACHE_MAX_BYTES: String(300 + a[4]!.bytes) });
    expect(await cached()).toEqual(hexes(a[1]!, a[3]!, a[4]!).sort());
  });

  it('throws on a bad bound, before touching anything', async () => {
    await expect(makeRoomInCache(t.store.root, t.store.pathOf(a[0]!), { KILN_CACHE_MAX_BYTES: '-1' })).rejects.toThrow('KILN_CACHE_MAX_BYTES=-1: not a size');
    expect(await cached()).toHaveLength(5);
  });
});
