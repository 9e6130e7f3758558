// This machine's cache of a shared store stays under KILN_CACHE_MAX_BYTES, against a real S3 server (versitygw): a
// fetch that would pass the bound evicts the least recently used artifact, which a later step simply fetches again,
// and `kiln store gc` trims the cache to the bound.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { makeRoomInCache } from '../../../store/remote/cache-bound';
import { collectSharedGarbage } from '../../../store/remote/remote-gc';
import { artifactHex } from '../../../store/references';
import type { ArtifactRef } from '../../../store/types';
import { startS3Server, type S3Server } from '../../helpers/s3-server';
import { maintenanceHost, type MaintenanceHost } from './store-maintenance-hosts';

const HOUR = 3_600_000;
let s3: S3Server;
let tmp: string;

beforeAll(async () => {
  s3 = await startS3Server();
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-cache-bound-'));
}, 600_000);

afterAll(async () => {
  await s3?.stop();
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

/** As if the artifact was last read `hoursAgo` (and written long before). */
async function usedAt(host: MaintenanceHost, ref: ArtifactRef, hoursAgo: number): Promise<void> {
  await fs.utimes(host.store.pathOf(ref), (Date.now() - hoursAgo * HOUR) / 1000, (Date.now() - 50 * HOUR) / 1000);
}

const cached = async (host: MaintenanceHost) => (await fs.readdir(path.join(host.store.root, 'sha256'))).sort();
const hexes = (...refs: ArtifactRef[]) => refs.map(artifactHex).sort();

describe("this machine's cache of a shared store", () => {
  it('a fetch past KILN_CACHE_MAX_BYTES evicts the least recently used artifact, which is fetched again when needed', async () => {
    const a = await maintenanceHost(s3, tmp, 'fetch', 'a');
    const b = await maintenanceHost(s3, tmp, 'fetch', 'b');
    const put = async (fill: string) => {
      const file = path.join(await a.store.stagingDir('test'), 'blob');
      await fs.writeFile(file, fill.repeat(1000));
      return a.store.putFile(file, { kind: 'blob' });
    };
    const [first, second, third] = [await put('1'), await put('2'), await put('3')];

    // Host B reads the first two (fetched into its cache), the first longer ago.
    for (const ref of [first, second]) await b.store.assertIntact(ref);
    await usedAt(b, first, 3);
    await usedAt(b, second, 2);

    // The fetch path of the third: downloaded into staging, then room is made before it moves in.
    const staging = await b.store.stagingDir('fetch');
    const downloaded = await b.store.remote!.download(artifactHex(third), staging);
    await makeRoomInCache(b.store.root, downloaded!, { KILN_CACHE_MAX_BYTES: '2500' });
    expect(await cached(b)).toEqual(hexes(second));
    await fs.rm(staging, { recursive: true, force: true });
    await b.store.assertIntact(third);
    expect(await cached(b)).toEqual(hexes(second, third));

    // A step that needs the evicted one again gets it from the store, verified.
    await b.store.assertIntact(first);
    expect(await fs.readFile(b.store.pathOf(first), 'utf8')).toBe('1'.repeat(1000));
  });

  it('kiln store gc trims the cache to the bound, least recently used first, sparing what was used in the last hour', async () => {
    const a = await maintenanceHost(s3, tmp, 'trim', 'a');
    const refs: ArtifactRef[] = [];
    for (const fill of ['a', 'b', 'c', 'd']) refs.push(await a.store.putJson({ fill: fill.repeat(500) }, { kind: 'stats' }));
    const [oldest, older, recent, now] = refs as [ArtifactRef, ArtifactRef, ArtifactRef, ArtifactRef];
    await usedAt(a, oldest, 30);
    await usedAt(a, older, 20);
    await usedAt(a, recent, 2);
    // `now` was just written: in use, whatever the bound says.
    const runs = { listRuns: async () => [{ workflowId: 'r', startedAt: '2024-01-01T00:00:00Z', running: false }], runRoots: async () => ({ outputs: refs, resumedFrom: [] }) };

    const report = await collectSharedGarbage({ objects: a.objects, home: a.home, keepRuns: 1, runs, minAgeMs: 0, cacheMaxBytes: 1100 });
    expect(report.removed.artifacts.count).toBe(0);
    expect(report.local.cache.items).toEqual([artifactHex(oldest), artifactHex(older)]);
    expect(report.local.cacheBytes).toBe(recent.bytes + now.bytes);
    expect(report.local.cacheMaxBytes).toBe(1100);
    expect(await cached(a)).toEqual(hexes(recent, now));
    // Evicted from this machine only: the shared store still has them.
    const b = await maintenanceHost(s3, tmp, 'trim', 'b');
    for (const ref of refs) await b.store.assertIntact(ref);
  });
});
