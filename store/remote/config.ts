// KILN_STORE: where shared state lives. Unset or `local`: this machine's $KILN_HOME only (the default, nothing to
// configure). `s3://BUCKET/PREFIX`: an S3-compatible bucket, configured the AWS SDK's standard way.
// `file:///ABSOLUTE/DIR`: a directory every machine mounts. Checked here, at the edge, before anything starts.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { LocalObjectStore } from './local-objects';
import { ObjectStoreError, type ObjectStore } from './object-store';
import { LazyS3ObjectStore } from './lazy-s3';

export type StoreSetting = { kind: 'local' } | { kind: 's3'; bucket: string; prefix: string } | { kind: 'file'; root: string };

const ACCEPTED =
  'use KILN_STORE=s3://BUCKET/PREFIX (S3-compatible storage, with AWS_ENDPOINT_URL, AWS_REGION and credentials), ' +
  'file:///ABSOLUTE/DIR (a directory every machine mounts), or local (the default: this machine only)';

// S3's rules for new buckets: 3-63 lowercase letters, digits, dots and hyphens, starting and ending alphanumeric.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/u;

export function parseStoreSetting(value: string | undefined): StoreSetting {
  const raw = value?.trim() ?? '';
  if (raw === '' || raw === 'local') return { kind: 'local' };
  const s3 = /^s3:\/\/([^/]*)\/?(.*)$/u.exec(raw);
  if (s3) {
    const bucket = s3[1] ?? '';
    const prefix = (s3[2] ?? '').replace(/\/+$/u, '');
    if (!BUCKET.test(bucket)) throw invalid(raw, `"${bucket}" is not a valid bucket name (3-63 lowercase letters, digits, dots and hyphens)`);
    if (prefix !== '' && prefix.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
      throw invalid(raw, `the prefix "${prefix}" has an empty, "." or ".." segment`);
    }
    return { kind: 's3', bucket, prefix };
  }
  if (raw.startsWith('file:')) {
    let root: string;
    try {
      root = fileURLToPath(raw);
    } catch {
      throw invalid(raw, 'not a file URL with an absolute path (file:///ABSOLUTE/DIR)');
    }
    if (!path.isAbsolute(root)) throw invalid(raw, 'not a file URL with an absolute path (file:///ABSOLUTE/DIR)');
    return { kind: 'file', root: root.replace(/(.)\/+$/u, '$1') };
  }
  throw invalid(raw, 'not a store kiln knows');
}

/** The shared store KILN_STORE names, or undefined for the local default. Throws ObjectStoreError on a bad value. */
export function objectStoreFromEnv(env: NodeJS.ProcessEnv = process.env): ObjectStore | undefined {
  const setting = parseStoreSetting(env.KILN_STORE);
  switch (setting.kind) {
    case 'local':
      return undefined;
    case 's3':
      return new LazyS3ObjectStore({ bucket: setting.bucket, prefix: setting.prefix, env });
    case 'file':
      return new LocalObjectStore(setting.root);
  }
}

function invalid(value: string, problem: string): ObjectStoreError {
  return new ObjectStoreError(`KILN_STORE=${value}: ${problem}`, ACCEPTED);
}
