// The model registry shared through a real S3 server (versitygw), as model/deploy@v1 and `kiln serve` use it from
// different hosts: a version deployed on host A is served on host B from the artifact in S3 (fetched and verified,
// never copied by hand), an alias moved on A is answered on B within a second, and deploys and alias moves racing
// from several hosts neither collide nor lose one another.
import fs from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { initBackend } from '../../../nlp/backend';
import { defaultModelLoader } from '../../../serve/load-model';
import { startServer, type RunningServer } from '../../../serve/server';
import { homeStores } from '../../../store/home-stores';
import { RECORD_FILE } from '../../../store/registry';
import type { ModelKind, VersionRecord } from '../../../store/registry-types';
import { versionCopyProblem } from '../../../store/registry-verify';
import type { ArtifactRef } from '../../../store/types';
import { forgetVerifiedFiles } from '../../../store/verified-cache';
import { callJson, writeFakeClassifier, writeTinyClassifier, writeTinyEncoder } from '../serve-fixtures';
import { filesOf, sharedFixture, type Host } from './shared-hosts';

const shared = sharedFixture('registry');
const hosts = () => shared.hosts();

beforeAll(async () => {
  await initBackend('cpu');
});

interface Deployed {
  ref: ArtifactRef;
  record: VersionRecord;
  reused: boolean;
}

/** A model directory written by `write`, put in `host`'s store (so in S3): what a training step leaves. */
async function artifact(host: Host, write: (dir: string) => Promise<unknown>): Promise<ArtifactRef> {
  const staging = await host.store.stagingDir('model');
  await write(path.join(staging, 'model'));
  const ref = await host.store.putDirectory(path.join(staging, 'model'), { kind: 'model' });
  await fs.rm(staging, { recursive: true, force: true });
  return ref;
}

/** What model/deploy@v1 does on `host` with an artifact of its store: register it, then move the alias if given. */
async function deploy(host: Host, name: string, ref: ArtifactRef, kind: ModelKind, alias?: string): Promise<Deployed> {
  await host.store.assertIntact(ref);
  const lineage = { workflowId: `wf-${host.name}`, runId: 'run', step: 'deploy' };
  const { record, reused } = await host.registry.register(name, host.store.pathOf(ref), {
    kind,
    digest: ref.digest,
    source: { uri: ref.uri, meta: ref.meta },
    lineage,
    metrics: null,
  });
  if (alias) await host.registry.setAlias(name, alias, record.version);
  return { ref, record, reused };
}

const fake = (tag: string) => (dir: string) => writeFakeClassifier(dir, tag);

describe('a version deployed on host A, on host B', () => {
  it('resolves from the artifact in S3: B’s copy is made from the fetched, verified artifact', async () => {
    const { a, b } = await hosts();
    const { ref, record } = await deploy(a, 'sentiment', await artifact(a, (dir) => writeTinyClassifier(dir, 5, ['negative', 'positive'])), 'classifier', 'production');
    expect(record).toMatchObject({ name: 'sentiment', version: 1, kind: 'classifier', digest: ref.digest, source: { uri: ref.uri } });

    // Host B has never seen the model: no registry copy, no artifact.
    await expect(fs.stat(b.registry.root)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(fs.stat(b.store.pathOf(ref))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await b.registry.names()).toEqual(['sentiment']);
    expect(await b.registry.aliases('sentiment')).toEqual({ production: 1 });

    const resolved = await b.registry.resolve({ name: 'sentiment' });
    expect(resolved).toEqual({ record, dir: b.registry.versionDir('sentiment', 1), alias: 'production' });
    // The copy is the artifact plus the record, and the artifact is now in B's store (verified on the way in).
    const { [RECORD_FILE]: recordText, ...files } = await filesOf(resolved.dir);
    expect(JSON.parse(recordText!)).toEqual(record);
    expect(files).toEqual(await filesOf(a.store.pathOf(ref)));
    expect(await filesOf(b.store.pathOf(ref))).toEqual(files);
    expect(await versionCopyProblem(resolved.dir, record)).toBeUndefined();
  });

  it('`kiln serve` on B predicts with the version A promotes within a second, and fill-masks with A’s encoder', async () => {
    const { a, b } = await hosts();
    await deploy(a, 'sentiment', await artifact(a, (dir) => writeTinyClassifier(dir, 5, ['negative', 'positive'])), 'classifier', 'production');
    await deploy(a, 'encoder', await artifact(a, (dir) => writeTinyEncoder(dir, 7)), 'encoder', 'production');
    const server: RunningServer = await startServer({ port: 0, registry: b.registry, loadModel: defaultModelLoader('cpu'), batch: { maxBatch: 8, maxWaitMs: 5 } });
    const predict = (ref: string) => callJson(server.url, 'POST', `/v1/models/${ref}/predict`, { texts: ['hello cafe', 'want'] });
    const labelsOf = (reply: { body: { predictions: Array<{ probabilities: Record<string, number> }> } }) =>
      Object.keys(reply.body.predictions[0]!.probabilities).sort();
    try {
      const first = await predict('sentiment');
      expect(first.status).toBe(200);
      expect(first.body.model).toMatchObject({ name: 'sentiment', version: 1, alias: 'production', kind: 'classifier' });
      expect(labelsOf(first)).toEqual(['negative', 'positive']);
      const masked = await callJson(server.url, 'POST', '/v1/models/encoder/fill-mask', { texts: ['hello [MASK] !'], top_k: 2 });
      expect(masked.status).toBe(200);
      expect(masked.body.model).toMatchObject({ name: 'encoder', version: 1, kind: 'encoder' });
      expect(masked.body.predictions[0].masks[0].candidates).toHaveLength(2);

      // A deploys version 2 as model/deploy@v1 does: register, smoke-test that version by number (here on B), promote.
      const v2 = await deploy(a, 'sentiment', await artifact(a, (dir) => writeTinyClassifier(dir, 6, ['bad', 'good'])), 'classifier');
      expect(v2.record.version).toBe(2);
      const smoke = await predict('sentiment:2');
      expect(smoke.status).toBe(200);
      expect(labelsOf(smoke)).toEqual(['bad', 'good']);
      expect((await predict('sentiment')).body.model.version).toBe(1);

      await a.registry.setAlias('sentiment', 'production', 2);
      const moved = Date.now();
      let reply = await predict('sentiment');
      while (reply.body.model?.version !== 2 && Date.now() - moved < 5_000) reply = await predict('sentiment');
      const seenAfterMs = Date.now() - moved;
      expect(reply.status).toBe(200);
      expect(reply.body.model).toMatchObject({ version: 2, alias: 'production' });
      expect(labelsOf(reply)).toEqual(['bad', 'good']);
      expect(seenAfterMs).toBeLessThan(1_500);
      // Once seen, it stays.
      for (let i = 0; i < 3; i++) expect((await predict('sentiment')).body.model.version).toBe(2);

      // A version B has never loaded, promoted on A: the first requests after the move arrive together, and each gets it.
      await deploy(a, 'sentiment', await artifact(a, (dir) => writeTinyClassifier(dir, 7, ['no', 'yes'])), 'classifier', 'production');
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const burst = await Promise.all(Array.from({ length: 8 }, () => predict('sentiment')));
      expect(burst.map((r) => [r.status, r.body.model?.version, r.body.error])).toEqual(Array(8).fill([200, 3, undefined]));
      expect(labelsOf(burst[0]!)).toEqual(['no', 'yes']);
      const models = await callJson(server.url, 'GET', '/v1/models');
      expect(models.body.models.find((m: { name: string }) => m.name === 'sentiment').aliases).toEqual({ production: 3 });
    } finally {
      await server.close();
    }
  });
});

describe('host B’s copies of shared versions', () => {
  it('two processes of one host (a deploy beside `kiln serve`) resolving a version at once make one good copy', async () => {
    const { a, b } = await hosts();
    const { record } = await deploy(a, 'twice', await artifact(a, fake('twice')), 'classifier', 'production');
    const env = { ...shared.s3.env, KILN_STORE: `s3://${shared.s3.bucket}/${shared.prefix}` };
    const processes = [b.registry, homeStores(b.home, env).registry, homeStores(b.home, env).registry];
    const resolved = await Promise.all(processes.flatMap((registry) => [1, 2, 3].map(() => registry.resolve({ name: 'twice' }))));
    expect(new Set(resolved.map((r) => r.dir))).toEqual(new Set([b.registry.versionDir('twice', 1)]));
    expect(await versionCopyProblem(b.registry.versionDir('twice', 1), record)).toBeUndefined();
    expect((await fs.readdir(b.registry.modelDir('twice'))).sort()).toEqual(['1']);
  });

  it('a damaged copy is replaced from S3 when the version is resolved again', async () => {
    const { a, b } = await hosts();
    const { record } = await deploy(a, 'mended', await artifact(a, fake('mended')), 'classifier', 'production');
    const { dir } = await b.registry.resolve({ name: 'mended' });
    await fs.writeFile(path.join(dir, 'weights.bin'), 'tampered');
    await fs.rm(path.join(dir, 'labels.json'));
    forgetVerifiedFiles();
    expect(await versionCopyProblem(dir, record)).toMatch(/^its files hash to sha256:[0-9a-f]{64}, not the /);
    expect(await b.registry.resolve({ name: 'mended', version: 1 })).toEqual({ record, dir });
    expect(await versionCopyProblem(dir, record)).toBeUndefined();
    expect(await fs.readFile(path.join(dir, 'weights.bin'), 'utf8')).toBe('mended');
    expect((await fs.readdir(b.registry.modelDir('mended'))).sort()).toEqual(['1']);
  });
});

describe('deploys racing from several hosts', () => {
  it('different artifacts at once get distinct versions, each naming its own digest', async () => {
    const { a, b, c } = await hosts();
    const refs = await Promise.all(
      [a, b, c].flatMap((host) => [1, 2].map(async (i) => ({ host, ref: await artifact(host, fake(`${host.name}-${i}`)) }))),
    );
    const deployed = await Promise.all(refs.map(({ host, ref }) => deploy(host, 'race', ref, 'classifier')));
    expect(deployed.map((d) => d.record.version).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(deployed.map((d) => d.reused)).toEqual(Array(6).fill(false));
    for (const d of deployed) expect(d.record.digest).toBe(d.ref.digest);
    const versions = await c.registry.versions('race');
    expect(versions.map((r) => r.digest).sort()).toEqual(refs.map(({ ref }) => ref.digest).sort());
  });

  it('the same artifact again, from another host, reuses its version', async () => {
    const { a, b } = await hosts();
    const ref = await artifact(a, fake('one'));
    const first = await deploy(a, 'again', ref, 'classifier', 'production');
    const second = await deploy(b, 'again', ref, 'classifier', 'production');
    expect(second).toEqual({ ref, record: first.record, reused: true });
    expect(await a.registry.versionNumbers('again')).toEqual([1]);
    expect(await versionCopyProblem(b.registry.versionDir('again', 1), first.record)).toBeUndefined();
  });

  it('the same artifact from three hosts at once is one version', async () => {
    const { a, b, c } = await hosts();
    const ref = await artifact(a, fake('same'));
    for (let round = 1; round <= 3; round++) {
      const name = `same-${round}`;
      const deployed = await Promise.all([a, b, c].map((host) => deploy(host, name, ref, 'classifier')));
      expect(await a.registry.versionNumbers(name)).toEqual([1]);
      expect(deployed.map((d) => d.record.version)).toEqual([1, 1, 1]);
      expect(deployed.filter((d) => !d.reused)).toHaveLength(1);
    }
  });
});

describe('alias moves racing from several hosts', () => {
  /** `name` with versions 1..count, deployed from host A. */
  async function versions(a: Host, name: string, count: number): Promise<void> {
    for (let i = 1; i <= count; i++) await deploy(a, name, await artifact(a, fake(`${name}-${i}`)), 'classifier');
  }

  it('moves of different aliases all land', async () => {
    const { a, b, c } = await hosts();
    await versions(a, 'aliased', 3);
    const moves = [a, b, c].flatMap((host, h) => ['one', 'two', 'three', 'four'].map((alias, i) => ({ host, alias: `${alias}-${host.name}`, version: ((h + i) % 3) + 1 })));
    await Promise.all(moves.map((m) => m.host.registry.setAlias('aliased', m.alias, m.version)));
    expect(await b.registry.aliases('aliased')).toEqual(Object.fromEntries(moves.map((m) => [m.alias, m.version])));
  });

  it('a move to a version no host registered is refused, naming the versions there are', async () => {
    const { a, b } = await hosts();
    await versions(a, 'few', 2);
    await expect(b.registry.setAlias('few', 'production', 3)).rejects.toMatchObject({
      code: 'unknown-version',
      message: "model 'few' has no version 3",
      hint: 'its versions: 1, 2',
    });
    expect(await a.registry.aliases('few')).toEqual({});
  });

  it('moves of the same alias: the last one wins, and each saw the one before it', async () => {
    const { a, b, c } = await hosts();
    await versions(a, 'contested', 3);
    for (let round = 0; round < 5; round++) {
      await a.registry.setAlias('contested', 'production', 3);
      const [fromA, fromB] = await Promise.all([a.registry.setAlias('contested', 'production', 1), b.registry.setAlias('contested', 'production', 2)]);
      // One of them moved it from 3; the other from the first one's version, to where it stays.
      const [first, second] = fromA.previous === 3 ? [1, 2] : [2, 1];
      expect([fromA.previous, fromB.previous]).toEqual(first === 1 ? [3, 1] : [2, 3]);
      expect((await c.registry.aliases('contested')).production).toBe(second);
    }
  });
});
