// A "host" for the `kiln store verify|gc` tests on a shared store: its own KILN_HOME with the stores kiln builds for
// it, sharing only `s3://BUCKET/PREFIX` on the test's versitygw.
import fs from 'node:fs/promises';
import path from 'node:path';

import type { Json } from '../../../contract/json';
import { homeStores, type HomeStores } from '../../../store/home-stores';
import type { ObjectStore } from '../../../store/remote/object-store';
import type { ArtifactRef } from '../../../store/types';
import type { S3Server } from '../../helpers/s3-server';

export interface MaintenanceHost extends HomeStores {
  home: string;
  objects: ObjectStore;
  env: NodeJS.ProcessEnv;
}

export async function maintenanceHost(s3: S3Server, tmp: string, prefix: string, name: string): Promise<MaintenanceHost> {
  const env = { ...s3.env, KILN_STORE: `s3://${s3.bucket}/${prefix}` };
  const home = path.join(tmp, prefix, name);
  await fs.mkdir(home, { recursive: true });
  const stores = homeStores(home, env);
  if (!stores.objects) throw new Error(`KILN_STORE=${env.KILN_STORE} built no shared store`);
  return { ...stores, objects: stores.objects, home, env };
}

/** Where versitygw keeps the object `key` of `prefix` on disk: overwriting it damages the object behind S3's back. */
export function objectPath(s3: S3Server, prefix: string, key: string): string {
  return path.join(s3.dir, 'data', s3.bucket, prefix, ...key.split('/'));
}

/** A directory artifact of two files (one in a subdirectory), uploaded to the shared store. */
export async function sharedDir(host: MaintenanceHost, label: string): Promise<ArtifactRef> {
  const dir = path.join(await host.store.stagingDir('test'), label);
  await fs.mkdir(path.join(dir, 'sub'), { recursive: true });
  await fs.writeFile(path.join(dir, 'vocab.txt'), `[PAD]\n[UNK]\n${label}\n`);
  await fs.writeFile(path.join(dir, 'sub', 'config.json'), JSON.stringify({ label }));
  const ref = await host.store.putDirectory(dir, { kind: 'tokenizer' });
  await fs.rm(path.dirname(dir), { recursive: true, force: true });
  return ref;
}

/** A cache entry for `outputs`, made from `inputs` (artifact refs become `{artifact: digest}`, as cache keys have them). */
export async function sharedEntry(host: MaintenanceHost, key: string, outputs: { [name: string]: Json }, inputs: ArtifactRef[] = []): Promise<string> {
  await host.cache.save({
    key,
    parts: { type: 'test/x@v1', implementation: 1, inputs: Object.fromEntries(inputs.map((ref, i) => [`in${i}`, { artifact: ref.digest }])) },
    outputs,
    createdAt: new Date().toISOString(),
    producer: { pipeline: 'p', workflowId: 'wf', stepId: key },
  });
  return `cache/entries/${key}.json`;
}

/** A model version record naming `ref`, written where the shared registry keeps it. */
export async function sharedVersion(host: MaintenanceHost, name: string, version: number, ref: ArtifactRef): Promise<string> {
  const key = `models/${name}/versions/${version}.json`;
  const record = {
    name,
    version,
    kind: 'encoder',
    created: new Date().toISOString(),
    digest: ref.digest,
    source: { uri: ref.uri, meta: {} },
    lineage: { workflowId: 'wf', runId: 'r', step: 'deploy' },
    metrics: null,
  };
  await host.objects.putBytes(key, Buffer.from(JSON.stringify(record, null, 2) + '\n'));
  return key;
}

export async function keysUnder(objects: ObjectStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of objects.list(prefix)) keys.push(object.key);
  return keys;
}
