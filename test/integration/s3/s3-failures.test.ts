// What a misconfigured store says at start-up (one line and a hint, never an SDK stack), and how the S3 store copes
// with servers that lack conditional writes: played here by a client that drops the headers, or answers 501.
import type { S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { objectStoreFromEnv } from '../../../store/remote/config';
import { ObjectConflictError, ObjectStoreError, type ObjectStore } from '../../../store/remote/object-store';
import { s3ClientFromEnv } from '../../../store/remote/s3-client';
import { S3ObjectStore } from '../../../store/remote/s3-objects';
import { freePort } from '../../../worker/server-ports';
import { startS3Server, type S3Server } from '../../helpers/s3-server';

let s3: S3Server;
let tmp: string;

beforeAll(async () => {
  s3 = await startS3Server();
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-s3-failures-'));
}, 600_000);

afterAll(async () => {
  await s3?.stop();
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

/** The probe's error, with the server's random port and secret replaced so the text can be compared exactly. */
async function probeFailure(store: ObjectStore | undefined, port?: number): Promise<{ message: string; hint?: string }> {
  const error = await store?.probe().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ObjectStoreError);
  const { message, hint } = error as ObjectStoreError;
  const clean = (text: string): string => text.replaceAll(s3.endpoint, 'http://127.0.0.1:PORT').replaceAll(`:${port}`, ':PORT');
  expect(message).not.toContain('\n');
  return { message: clean(message), hint: hint && clean(hint) };
}

describe('a store that cannot work fails its probe with one line', () => {
  it('names the endpoint it cannot reach', async () => {
    const port = await freePort();
    const store = objectStoreFromEnv({ ...s3.env, AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`, KILN_STORE: 's3://kiln-test/team' });
    expect(await probeFailure(store, port)).toEqual({
      message: 'cannot reach s3://kiln-test/team at http://127.0.0.1:PORT (us-east-1): connect ECONNREFUSED 127.0.0.1:PORT',
      hint: 'check AWS_ENDPOINT_URL, AWS_REGION: the endpoint must be reachable from this machine, and the S3 server running',
    });
  });

  it('names the bucket that does not exist', async () => {
    const store = objectStoreFromEnv({ ...s3.env, KILN_STORE: 's3://no-such-bucket/team' });
    expect(await probeFailure(store)).toEqual({
      message: 's3://no-such-bucket/team at http://127.0.0.1:PORT (us-east-1): bucket "no-such-bucket" does not exist',
      hint: 'create the bucket, or fix the bucket in KILN_STORE=s3://BUCKET/PREFIX (and AWS_ENDPOINT_URL if it lives on another server)',
    });
  });

  it('says the credentials were refused, and which variables hold them', async () => {
    const hint =
      'check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE): they must be valid on this server and allowed to read and write s3://kiln-test';
    const wrongSecret = objectStoreFromEnv({ ...s3.env, AWS_SECRET_ACCESS_KEY: 'not-the-secret', KILN_STORE: 's3://kiln-test/team' });
    expect(await probeFailure(wrongSecret)).toEqual({
      message:
        's3://kiln-test/team at http://127.0.0.1:PORT (us-east-1): access denied (SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided. Check your key and signing method.)',
      hint,
    });
    const unknownKey = objectStoreFromEnv({ ...s3.env, AWS_ACCESS_KEY_ID: 'nobody', KILN_STORE: 's3://kiln-test/team' });
    expect(await probeFailure(unknownKey)).toEqual({
      message: 's3://kiln-test/team at http://127.0.0.1:PORT (us-east-1): access denied (XAdminUserNotFound: No user exists with the provided access key ID.)',
      hint,
    });
  });

  it('names a shared directory that is not there', async () => {
    const missing = path.join(tmp, 'not-mounted');
    const store = objectStoreFromEnv({ KILN_STORE: `file://${missing}` });
    expect(await probeFailure(store)).toEqual({
      message: `file://${missing}: no such directory`,
      hint: `mount the shared filesystem at ${missing} (or create the directory) on every machine, or fix KILN_STORE`,
    });
  });
});

/** A client for the test server that passes each request's headers through `edit` before signing. */
function clientWith(name: string, edit: (headers: Record<string, string>) => void): S3Client {
  const client = s3ClientFromEnv(s3.env);
  client.middlewareStack.add(
    (next) => async (args) => {
      edit((args.request as { headers: Record<string, string> }).headers);
      return next(args);
    },
    { step: 'build', name },
  );
  return client;
}

function conditionalHeaders(headers: Record<string, string>): string[] {
  return Object.keys(headers).filter((h) => /^if-(none-)?match$/iu.test(h));
}

const servers: Array<{ name: string; client: () => S3Client }> = [
  {
    name: 'ignores If-None-Match and If-Match',
    client: () =>
      clientWith('dropConditions', (headers) => {
        for (const header of conditionalHeaders(headers)) delete headers[header];
      }),
  },
  {
    name: 'answers 501 Not Implemented to them',
    client: () =>
      clientWith('notImplemented', (headers) => {
        if (conditionalHeaders(headers).length > 0) {
          throw Object.assign(new Error('A header you provided implies functionality that is not implemented'), {
            name: 'NotImplemented',
            $metadata: { httpStatusCode: 501 },
          });
        }
      }),
  },
];

describe.each(servers)('a server that $name', ({ client }) => {
  let store: S3ObjectStore;
  let prefix: string;

  beforeAll(async () => {
    prefix = `fallback-${Math.random().toString(36).slice(2)}`;
    store = new S3ObjectStore({ bucket: s3.bucket, prefix, env: s3.env, client: client() });
    await store.probe();
  });

  it('is detected once and named in the start-up line', () => {
    expect(store.describe()).toBe(`s3://${s3.bucket}/${prefix} at ${s3.endpoint} (us-east-1), without conditional writes (HEAD-then-PUT)`);
  });

  it('still gets create-only writes and stale compare-and-swaps right (HEAD-then-PUT)', async () => {
    const file = path.join(tmp, `blob-${prefix}`);
    await fs.writeFile(file, 'content-addressed\n');
    const digest = createHash('sha256').update('content-addressed\n').digest('hex');
    expect(await store.putFileIfAbsent('files/blob', file, digest)).toBe('written');
    expect(await store.putFileIfAbsent('files/blob', file, digest)).toBe('exists');

    const first = await store.putBytes('pointers/alias', Buffer.from('a'), { ifMatch: null });
    await expect(store.putBytes('pointers/alias', Buffer.from('b'), { ifMatch: null })).rejects.toThrow(ObjectConflictError);
    await store.putBytes('pointers/alias', Buffer.from('c'), { ifMatch: first });
    await expect(store.putBytes('pointers/alias', Buffer.from('d'), { ifMatch: first })).rejects.toThrow(ObjectConflictError);

    // The detection's probe objects are gone.
    const keys: string[] = [];
    for await (const info of store.list('')) keys.push(info.key);
    expect(keys).toEqual(['files/blob', 'pointers/alias']);
  });
});
