// Artifact integrity across hosts on a real S3 server (versitygw): what host A puts, host B reads through its
// verified read-through cache; what is damaged in the bucket is refused by name, never used; what is damaged in a
// host's cache is replaced by the good copy from S3; what is nowhere is not "verified".
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { CorruptArtifactError } from '../../../store/artifact-errors';
import { directoryDigest, type ArtifactStore } from '../../../store/artifacts';
import { dirKey, fileKey } from '../../../store/remote/remote-artifacts';
import type { ArtifactRef } from '../../../store/types';
import { forgetVerifiedFiles } from '../../../store/verified-cache';
import { filesOf, objectFile, sharedFixture, type Host } from './shared-hosts';

const shared = sharedFixture('artifacts');
const hosts = () => shared.hosts();

const hexOf = (ref: Pick<ArtifactRef, 'uri'>): string => ref.uri.slice('kiln://sha256/'.length);

async function putText(store: ArtifactStore, text: string): Promise<ArtifactRef> {
  const dir = await store.stagingDir('test');
  const file = path.join(dir, 'value.txt');
  await fs.writeFile(file, text);
  const ref = await store.putFile(file, { kind: 'text' });
  await fs.rm(dir, { recursive: true, force: true });
  return ref;
}

const TREE = {
  'config.json': '{"hidden":16}\n',
  'tokenizer/vocab.txt': '[PAD]\n[UNK]\nfilm\n',
  'tokenizer/tokenizer.json': '{"lowercase":true}\n',
  // The same content twice: one object in the bucket, two files in the artifact.
  'copy-of-config.json': '{"hidden":16}\n',
  'weights/deep/w.bin': 'w'.repeat(4096),
};

async function putTree(store: ArtifactStore, files: Record<string, string>): Promise<ArtifactRef> {
  const dir = await store.stagingDir('tree');
  for (const [rel, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await fs.writeFile(path.join(dir, rel), text);
  }
  return store.putDirectory(dir, { kind: 'model' });
}

const exists = (p: string): Promise<boolean> =>
  fs.stat(p).then(
    () => true,
    () => false,
  );

/** The error `promise` rejects with. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('it should have failed'),
    (error: unknown) => error,
  );
}

describe('an artifact put on one host is read on another', () => {
  it('a file: host B, which never saw it, fetches it from S3 and holds the same bytes', async () => {
    const { a, b } = await hosts();
    const ref = await putText(a.store, 'a corpus line\nanother line\n');
    expect(ref).toMatchObject({ uri: expect.stringMatching(/^kiln:\/\/sha256\/[0-9a-f]{64}$/), bytes: 27 });
    expect(await a.objects.head(fileKey(hexOf(ref)))).toMatchObject({ bytes: 27, sha256: hexOf(ref) });

    expect(await exists(b.store.pathOf(ref))).toBe(false);
    await b.store.assertIntact(ref);
    expect(await fs.readFile(b.store.pathOf(ref), 'utf8')).toBe('a corpus line\nanother line\n');
    expect(await b.store.verify(ref)).toBe(true);
  });

  it('a JSON artifact reads on host B after assertIntact', async () => {
    const { a, b } = await hosts();
    const ref = await a.store.putJson({ accuracy: 0.75, labels: ['negative', 'positive'] }, { kind: 'metrics' });
    await b.store.assertIntact(ref);
    expect(await b.store.readJson(ref)).toEqual({ accuracy: 0.75, labels: ['negative', 'positive'] });
  });

  it('a directory: every file, nested ones and duplicates included, with the same manifest digest', async () => {
    const { a, b } = await hosts();
    const ref = await putTree(a.store, TREE);
    await b.store.assertIntact(ref);
    const copy = b.store.pathOf(ref);
    expect(await filesOf(copy)).toEqual(Object.fromEntries(Object.entries(TREE).sort(([x], [y]) => (x < y ? -1 : 1))));
    expect(`sha256:${(await directoryDigest(copy)).hex}`).toBe(ref.digest);
    // Four distinct contents, five files: the duplicate is one object.
    const objects: string[] = [];
    for await (const o of b.objects.list('artifacts/')) objects.push(o.key);
    expect(objects).toHaveLength(5);
    expect(objects).toContain(dirKey(hexOf(ref)));
  });

  it('an empty directory', async () => {
    const { a, b } = await hosts();
    const ref = await putTree(a.store, {});
    await b.store.assertIntact(ref);
    expect(await filesOf(b.store.pathOf(ref))).toEqual({});
    expect(await b.store.verify(ref)).toBe(true);
  });

  it('three hosts putting the same directory at once store it once, and each reads it', async () => {
    const { a, b, c } = await hosts();
    const refs = await Promise.all([a, b, c].map((h) => putTree(h.store, TREE)));
    expect(new Set(refs.map((r) => r.uri)).size).toBe(1);
    const objects: string[] = [];
    for await (const o of a.objects.list('artifacts/')) objects.push(o.key);
    expect(objects).toHaveLength(5);
    for (const h of [a, b, c]) expect(await h.store.verify(refs[0]!)).toBe(true);
  });
});

describe('an object damaged in the bucket is refused by name', () => {
  it('a file overwritten on the S3 server’s disk: assertIntact on a host without a copy throws CorruptArtifactError', async () => {
    const { a, c } = await hosts();
    const ref = await putText(a.store, 'the real weights\n');
    await fs.writeFile(objectFile(shared.s3, shared.prefix, fileKey(hexOf(ref))), 'the real weightz\n');

    const error = await rejection(c.store.assertIntact(ref));
    expect(error).toBeInstanceOf(CorruptArtifactError);
    expect((error as CorruptArtifactError).uri).toBe(ref.uri);
    expect((error as Error).message).toMatch(
      new RegExp(`^artifact ${ref.uri} is corrupt: s3://${shared.s3.bucket}/${shared.prefix}/artifacts/files/sha256/${hexOf(ref)} hashes to sha256:[0-9a-f]{64}, not the digest it is stored under$`),
    );
    // Nothing damaged moved into host C's cache, and verify says no.
    expect(await exists(c.store.pathOf(ref))).toBe(false);
    expect(await c.store.verify(ref)).toBe(false);
    // Host A's own copy is intact: it does not need the bucket.
    await a.store.assertIntact(ref);
  });

  it('a file of a directory replaced through the store: the error names the directory artifact', async () => {
    const { a, c } = await hosts();
    const ref = await putTree(a.store, TREE);
    const vocab = (await directoryManifestOf(a, ref)).find((e) => e.path === 'tokenizer/vocab.txt')!;
    await a.objects.putBytes(fileKey(vocab.sha256), Buffer.from('[PAD]\n[UNK]\nfilm\nextra\n'));

    const error = await rejection(c.store.assertIntact(ref));
    expect(error).toBeInstanceOf(CorruptArtifactError);
    expect((error as CorruptArtifactError).uri).toBe(ref.uri);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^artifact ${ref.uri} is corrupt: s3://${shared.s3.bucket}/${shared.prefix}/artifacts/files/sha256/${vocab.sha256} \\(its tokenizer/vocab.txt\\) hashes to sha256:[0-9a-f]{64}, not the digest it is stored under$`,
      ),
    );
    expect(await exists(c.store.pathOf(ref))).toBe(false);
    expect(await c.store.verify(ref)).toBe(false);
  });

  it('a file of a directory deleted from the bucket: the error names the directory artifact', async () => {
    const { a, c } = await hosts();
    const ref = await putTree(a.store, TREE);
    const weights = (await directoryManifestOf(a, ref)).find((e) => e.path === 'weights/deep/w.bin')!;
    await a.objects.delete(fileKey(weights.sha256));

    const error = await rejection(c.store.assertIntact(ref));
    expect(error).toBeInstanceOf(CorruptArtifactError);
    expect((error as CorruptArtifactError).uri).toBe(ref.uri);
    expect((error as Error).message).toBe(
      `artifact ${ref.uri} is corrupt: s3://${shared.s3.bucket}/${shared.prefix}/artifacts/files/sha256/${weights.sha256} (its weights/deep/w.bin) hashes to missing (a directory manifest names it), not the digest it is stored under`,
    );
    expect(await exists(c.store.pathOf(ref))).toBe(false);
  });

  it('a directory manifest replaced in the bucket', async () => {
    const { a, c } = await hosts();
    const ref = await putTree(a.store, TREE);
    const manifest = await directoryManifestOf(a, ref);
    await a.objects.putBytes(dirKey(hexOf(ref)), Buffer.from(JSON.stringify(manifest.slice(1))));

    const error = await rejection(c.store.assertIntact(ref));
    expect(error).toBeInstanceOf(CorruptArtifactError);
    expect((error as CorruptArtifactError).uri).toBe(ref.uri);
    expect((error as CorruptArtifactError).path).toBe(`s3://${shared.s3.bucket}/${shared.prefix}/${dirKey(hexOf(ref))}`);
  });
});

describe('a damaged copy in a host’s cache is replaced by the good one from S3', () => {
  it('a file', async () => {
    const { a, b } = await hosts();
    const ref = await putText(a.store, 'good bytes\n');
    await b.store.assertIntact(ref);
    const copy = b.store.pathOf(ref);
    await fs.writeFile(copy, 'bad bytes!\n');
    forgetVerifiedFiles();
    await b.store.assertIntact(ref);
    expect(await fs.readFile(copy, 'utf8')).toBe('good bytes\n');
    // The same through verify(), and with the copy gone altogether.
    await fs.writeFile(copy, 'bad again\n');
    expect(await b.store.verify(ref)).toBe(true);
    expect(await fs.readFile(copy, 'utf8')).toBe('good bytes\n');
    await fs.rm(copy);
    await b.store.assertIntact(ref);
    expect(await fs.readFile(copy, 'utf8')).toBe('good bytes\n');
  });

  it('a directory with one file edited, one added and one deleted', async () => {
    const { a, b } = await hosts();
    const ref = await putTree(a.store, TREE);
    await b.store.assertIntact(ref);
    const copy = b.store.pathOf(ref);
    await fs.writeFile(path.join(copy, 'tokenizer/vocab.txt'), '[PAD]\n');
    await fs.writeFile(path.join(copy, 'stray.txt'), 'not part of it');
    await fs.rm(path.join(copy, 'config.json'));
    await b.store.assertIntact(ref);
    expect(await filesOf(copy)).toEqual(Object.fromEntries(Object.entries(TREE).sort(([x], [y]) => (x < y ? -1 : 1))));
    expect(await fs.readdir(path.join(b.store.root, 'tmp'))).toEqual([]);
  });
});

describe('what is nowhere', () => {
  it('verify() is false, and assertIntact says it is neither here nor in the bucket', async () => {
    const { b } = await hosts();
    const hex = 'f'.repeat(64);
    const ref = { uri: `kiln://sha256/${hex}`, digest: `sha256:${hex}` };
    expect(await b.store.verify(ref)).toBe(false);
    const error = await rejection(b.store.assertIntact(ref));
    expect(error).toMatchObject({ code: 'ENOENT' });
    expect((error as Error).message).toBe(`artifact ${ref.uri} is neither in ${b.store.root} nor in s3://${shared.s3.bucket}/${shared.prefix}`);
    expect(await exists(b.store.pathOf(ref))).toBe(false);
  });

  it('verify() is false for a digest that does not match the uri', async () => {
    const { a, b } = await hosts();
    const ref = await putText(a.store, 'x\n');
    expect(await b.store.verify({ uri: ref.uri, digest: `sha256:${'0'.repeat(64)}` })).toBe(false);
  });
});

async function directoryManifestOf(host: Host, ref: ArtifactRef): Promise<Array<{ path: string; bytes: number; sha256: string }>> {
  const found = await host.objects.getBytes(dirKey(hexOf(ref)));
  return JSON.parse(found!.bytes.toString('utf8')) as Array<{ path: string; bytes: number; sha256: string }>;
}
