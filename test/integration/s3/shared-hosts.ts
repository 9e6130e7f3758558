// "Hosts" for the shared-store integration tests: each its own KILN_HOME with the stores kiln builds for it
// (homeStores), and nothing in common with the others but the S3 endpoint and the KILN_STORE prefix.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll } from 'vitest';

import { homeStores, type HomeStores } from '../../../store/home-stores';
import type { ObjectStore } from '../../../store/remote/object-store';

import { startS3Server, type S3Server } from '../../helpers/s3-server';

export interface Host extends HomeStores {
  name: string;
  home: string;
  objects: ObjectStore;
}

/** One host per name, under `tmp/PREFIX/NAME`, sharing `s3://BUCKET/PREFIX`. */
export async function sharedHosts<N extends string>(s3: S3Server, tmp: string, prefix: string, names: readonly N[]): Promise<Record<N, Host>> {
  const env = { ...s3.env, KILN_STORE: `s3://${s3.bucket}/${prefix}` };
  const hosts = {} as Record<N, Host>;
  for (const name of names) {
    const home = path.join(tmp, prefix, name);
    await fs.mkdir(home, { recursive: true });
    const stores = homeStores(home, env);
    if (!stores.objects) throw new Error(`KILN_STORE=${env.KILN_STORE} built no shared store`);
    hosts[name] = { ...stores, objects: stores.objects, name, home };
  }
  return hosts;
}

/** Where versitygw keeps the object `key` of `prefix` on disk: overwriting it damages the object behind S3's back. */
export function objectFile(s3: S3Server, prefix: string, key: string): string {
  return path.join(s3.dir, 'data', s3.bucket, prefix, ...key.split('/'));
}

/** Every file under `dir` (relative paths, sorted) with its bytes. */
export async function filesOf(dir: string): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    found[path.relative(dir, file)] = await fs.readFile(file, 'utf8');
  }
  return Object.fromEntries(Object.entries(found).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** What a test file of shared hosts works with; `prefix` is that of the hosts `hosts()` made last. */
export interface SharedFixture {
  s3: S3Server;
  tmp: string;
  prefix: string;
  /** Hosts A, B and C on a prefix of their own. */
  hosts(): Promise<Record<'a' | 'b' | 'c', Host>>;
}

/** One S3 server and temporary directory for the test file (started before its tests, removed after them). */
export function sharedFixture(label: string): SharedFixture {
  let count = 0;
  const fixture: SharedFixture = {
    s3: undefined as unknown as S3Server,
    tmp: '',
    prefix: '',
    hosts() {
      fixture.prefix = `${label}-${++count}`;
      return sharedHosts(fixture.s3, fixture.tmp, fixture.prefix, ['a', 'b', 'c']);
    },
  };
  beforeAll(async () => {
    fixture.s3 = await startS3Server();
    fixture.tmp = await fs.mkdtemp(path.join(os.tmpdir(), `kiln-shared-${label}-`));
  }, 600_000);
  afterAll(async () => {
    await fixture.s3?.stop();
    if (fixture.tmp) await fs.rm(fixture.tmp, { recursive: true, force: true });
  });
  return fixture;
}
