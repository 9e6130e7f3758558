// One contract, three stores: a directory, S3 on a real versitygw, and S3 with conditional writes turned off (the
// HEAD-then-PUT fallback for servers without If-None-Match / If-Match, which cannot promise single winners).
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { LocalObjectStore } from '../../../store/remote/local-objects';
import { ObjectConflictError, type ObjectInfo, type ObjectStore } from '../../../store/remote/object-store';
import { s3ClientFromEnv } from '../../../store/remote/s3-client';
import { S3ObjectStore } from '../../../store/remote/s3-objects';
import { seededRng } from '../../helpers/seeded-rng';
import { startS3Server, type S3Server } from '../../helpers/s3-server';

const MiB = 1024 * 1024;

let s3: S3Server;
let tmp: string;
let stores = 0;

beforeAll(async () => {
  // Builds versitygw first if the global setup could not (minutes, once per machine).
  s3 = await startS3Server();
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-objects-test-'));
}, 600_000);

afterAll(async () => {
  await s3?.stop();
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

interface Subject {
  name: string;
  /** Whether racing writers are guaranteed exactly one winner. */
  atomic: boolean;
  make(): Promise<ObjectStore>;
}

function s3Store(conditionalWrites: 'auto' | 'off'): S3ObjectStore {
  stores += 1;
  // Multipart from 8 MiB in 5 MiB parts, so a 12 MiB file goes up in three parts.
  return new S3ObjectStore({ bucket: s3.bucket, prefix: `contract/${stores}`, env: s3.env, multipartThreshold: 8 * MiB, partBytes: 5 * MiB, conditionalWrites });
}

const subjects: Subject[] = [
  { name: 'LocalObjectStore', atomic: true, make: async () => new LocalObjectStore(await fs.mkdtemp(path.join(tmp, 'local-'))) },
  { name: 'S3ObjectStore', atomic: true, make: async () => s3Store('auto') },
  { name: 'S3ObjectStore without conditional writes', atomic: false, make: async () => s3Store('off') },
];

async function writeFile(name: string, bytes: Buffer): Promise<{ file: string; sha256: string }> {
  const file = path.join(tmp, `${name}-${process.hrtime.bigint()}`);
  await fs.writeFile(file, bytes);
  return { file, sha256: sha256(bytes) };
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Deterministic bytes that do not compress or repeat by part. */
function seededBytes(length: number, seed: number): Buffer {
  const next = seededRng(seed);
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i += 4) bytes.writeUInt32LE(Math.floor(next() * 2 ** 32), i);
  return bytes;
}

async function listAll(store: ObjectStore, prefix: string): Promise<ObjectInfo[]> {
  const found: ObjectInfo[] = [];
  for await (const info of store.list(prefix)) found.push(info);
  return found;
}

describe.each(subjects)('$name', (subject) => {
  let store: ObjectStore;

  beforeAll(async () => {
    store = await subject.make();
    await store.probe();
  });

  it('says where it is', () => {
    if (!(store instanceof S3ObjectStore)) return expect(store.describe()).toMatch(/^file:\/\/\/.* \(a shared directory\)$/u);
    const fallback = subject.atomic ? '' : ', without conditional writes (HEAD-then-PUT)';
    expect(store.describe()).toBe(`${store.uri} at ${s3.endpoint} (us-east-1)${fallback}`);
  });

  it('stores, reads, lists and deletes objects', async () => {
    const hello = Buffer.from('hello, store\n');
    const { file, sha256: digest } = await writeFile('hello', hello);
    expect(await store.putFileIfAbsent('files/hello', file, digest)).toBe('written');
    expect(await store.putFileIfAbsent('files/hello', file, digest)).toBe('exists');
    expect(await store.head('files/hello')).toMatchObject({ key: 'files/hello', bytes: 13, sha256: digest });

    const dest = path.join(tmp, `download-${subject.atomic}-${stores}`, 'hello.txt');
    expect(await store.getFile('files/hello', dest)).toBe(true);
    expect(await fs.readFile(dest)).toEqual(hello);
    expect(await store.getFile('files/missing', dest)).toBe(false);
    expect(await store.getBytes('files/missing')).toBeUndefined();
    expect(await store.head('files/missing')).toBeUndefined();

    const etag = await store.putBytes('pointers/alias', Buffer.from('{"v":1}'));
    expect(await store.getBytes('pointers/alias')).toEqual({ bytes: Buffer.from('{"v":1}'), etag });
    expect((await store.head('pointers/alias'))?.etag).toBe(etag);

    // Key order is byte order of the whole key: "a-b" sorts before "a/…" ('-' < '/').
    for (const key of ['order/b', 'order/a/c/d', 'order/a-b', 'order/a/b']) await store.putBytes(key, Buffer.from(key));
    expect((await listAll(store, 'order/')).map((o) => o.key)).toEqual(['order/a-b', 'order/a/b', 'order/a/c/d', 'order/b']);
    expect((await listAll(store, 'order/a/')).map((o) => o.key)).toEqual(['order/a/b', 'order/a/c/d']);
    expect((await listAll(store, 'order/a')).map((o) => [o.key, o.bytes])).toEqual([
      ['order/a-b', 9],
      ['order/a/b', 9],
      ['order/a/c/d', 11],
    ]);
    expect(await listAll(store, 'nothing/')).toEqual([]);

    await store.delete('order/a/b');
    await store.delete('order/never-was');
    await store.delete('order/a'); // only a prefix of longer keys, not an object
    expect(await store.head('order/a/b')).toBeUndefined();
    expect((await listAll(store, 'order/')).map((o) => o.key)).toEqual(['order/a-b', 'order/a/c/d', 'order/b']);
  });

  it('refuses a file that does not hash to its sha256, and stores nothing', async () => {
    const { file } = await writeFile('liar', Buffer.from('not what it claims'));
    await expect(store.putFileIfAbsent('files/liar', file, sha256(Buffer.from('something else')))).rejects.toThrow(/has sha256 [0-9a-f]{64}, not the/);
    expect(await store.head('files/liar')).toBeUndefined();
  });

  it('lets exactly one of several racing writers create a key', async () => {
    const bytes = Buffer.from('the same content from every writer\n');
    const files = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => writeFile(`race-${n}`, bytes)));
    const results = await Promise.all(files.map(({ file, sha256: digest }) => store.putFileIfAbsent('files/raced', file, digest)));
    if (subject.atomic) expect(results.filter((r) => r === 'written')).toHaveLength(1);
    else expect(results).toContain('written');
    expect((await store.getBytes('files/raced'))?.bytes).toEqual(bytes);
  });

  it('compare-and-swaps pointers on their etag', async () => {
    const first = await store.putBytes('pointers/cas', Buffer.from('v1'), { ifMatch: null });
    await expect(store.putBytes('pointers/cas', Buffer.from('v1 again'), { ifMatch: null })).rejects.toThrow(ObjectConflictError);

    const second = await store.putBytes('pointers/cas', Buffer.from('v2'), { ifMatch: first });
    expect(second).not.toBe(first);
    await expect(store.putBytes('pointers/cas', Buffer.from('v3 from a stale read'), { ifMatch: first })).rejects.toThrow(ObjectConflictError);
    expect((await store.getBytes('pointers/cas'))?.bytes.toString()).toBe('v2');

    await store.delete('pointers/cas');
    await expect(store.putBytes('pointers/cas', Buffer.from('after delete'), { ifMatch: second })).rejects.toThrow(ObjectConflictError);
    expect(await store.head('pointers/cas')).toBeUndefined();
  });

  it.runIf(subject.atomic)('lets one of several writers from the same etag win, and tells the others', async () => {
    const start = await store.putBytes('pointers/deploy', Buffer.from('model-a'));
    const models = ['model-b', 'model-c', 'model-d', 'model-e'];
    const writes = await Promise.allSettled(models.map((m) => store.putBytes('pointers/deploy', Buffer.from(m), { ifMatch: start })));
    const won = writes.flatMap((w, i) => (w.status === 'fulfilled' ? [models[i]] : []));
    expect(won).toHaveLength(1);
    for (const w of writes) if (w.status === 'rejected') expect(w.reason).toBeInstanceOf(ObjectConflictError);
    expect((await store.getBytes('pointers/deploy'))?.bytes.toString()).toBe(won[0]);
  });

  it('stores a large file (multipart on S3) with the whole file sha256, and downloads it byte for byte', async () => {
    const bytes = seededBytes(12 * MiB, 13);
    const { file, sha256: digest } = await writeFile('large', bytes);
    const [a, b] = await Promise.all([store.putFileIfAbsent('files/large', file, digest), store.putFileIfAbsent('files/large', file, digest)]);
    if (subject.atomic) expect([a, b].sort()).toEqual(['exists', 'written']);
    expect(await store.head('files/large')).toMatchObject({ bytes: 12 * MiB, sha256: digest });
    const dest = path.join(tmp, `large-download-${process.hrtime.bigint()}`);
    expect(await store.getFile('files/large', dest)).toBe(true);
    expect(sha256(await fs.readFile(dest))).toBe(digest);

    await expect(store.putFileIfAbsent('files/large-liar', file, sha256(Buffer.from('other')))).rejects.toThrow(/has sha256/);
    expect(await store.head('files/large-liar')).toBeUndefined();
    if (store instanceof S3ObjectStore) {
      // Three parts (5 + 5 + 2 MiB): a multipart ETag ends in the part count.
      expect((await store.head('files/large'))?.etag).toMatch(/^"[0-9a-f]{32}-3"$/u);
      // Failed and losing uploads were aborted: no parts left behind on the server.
      const uploads = await s3ClientFromEnv(s3.env).send(new ListMultipartUploadsCommand({ Bucket: s3.bucket, Prefix: store.prefix }));
      expect(uploads.Uploads ?? []).toEqual([]);
    }
  });
});
