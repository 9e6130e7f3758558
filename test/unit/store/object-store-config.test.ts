import { describe, expect, it } from 'vitest';

import { objectStoreFromEnv, parseStoreSetting } from '../../../store/remote/config';
import { LocalObjectStore } from '../../../store/remote/local-objects';
import { ObjectStoreError } from '../../../store/remote/object-store';
import { LazyS3ObjectStore } from '../../../store/remote/lazy-s3';

const ACCEPTED =
  'use KILN_STORE=s3://BUCKET/PREFIX (S3-compatible storage, with AWS_ENDPOINT_URL, AWS_REGION and credentials), ' +
  'file:///ABSOLUTE/DIR (a directory every machine mounts), or local (the default: this machine only)';

function failure(value: string): { message: string; hint?: string } {
  try {
    parseStoreSetting(value);
  } catch (error) {
    expect(error).toBeInstanceOf(ObjectStoreError);
    return { message: (error as ObjectStoreError).message, hint: (error as ObjectStoreError).hint };
  }
  throw new Error(`KILN_STORE=${value} was accepted`);
}

describe('KILN_STORE', () => {
  it('is local when unset, empty or "local"', () => {
    for (const value of [undefined, '', '  ', 'local']) expect(parseStoreSetting(value)).toEqual({ kind: 'local' });
    expect(objectStoreFromEnv({})).toBeUndefined();
    expect(objectStoreFromEnv({ KILN_STORE: 'local' })).toBeUndefined();
  });

  it('reads s3://BUCKET/PREFIX, trimming slashes', () => {
    expect(parseStoreSetting('s3://kiln/team')).toEqual({ kind: 's3', bucket: 'kiln', prefix: 'team' });
    expect(parseStoreSetting('s3://kiln/team/ml/')).toEqual({ kind: 's3', bucket: 'kiln', prefix: 'team/ml' });
    expect(parseStoreSetting('s3://kiln')).toEqual({ kind: 's3', bucket: 'kiln', prefix: '' });
    expect(parseStoreSetting('s3://kiln/')).toEqual({ kind: 's3', bucket: 'kiln', prefix: '' });
  });

  it('reads file:///ABSOLUTE/DIR', () => {
    expect(parseStoreSetting('file:///mnt/kiln/')).toEqual({ kind: 'file', root: '/mnt/kiln' });
    expect(parseStoreSetting('file:///mnt/with%20space')).toEqual({ kind: 'file', root: '/mnt/with space' });
  });

  it('rejects anything else, naming the value and the accepted forms', () => {
    expect(failure('/mnt/kiln')).toEqual({ message: 'KILN_STORE=/mnt/kiln: not a store kiln knows', hint: ACCEPTED });
    expect(failure('gs://kiln/team')).toEqual({ message: 'KILN_STORE=gs://kiln/team: not a store kiln knows', hint: ACCEPTED });
    expect(failure('s3://Kiln_Bucket/x')).toEqual({
      message: 'KILN_STORE=s3://Kiln_Bucket/x: "Kiln_Bucket" is not a valid bucket name (3-63 lowercase letters, digits, dots and hyphens)',
      hint: ACCEPTED,
    });
    expect(failure('s3:///team').message).toBe('KILN_STORE=s3:///team: "" is not a valid bucket name (3-63 lowercase letters, digits, dots and hyphens)');
    expect(failure('s3://kiln//team').message).toBe('KILN_STORE=s3://kiln//team: the prefix "/team" has an empty, "." or ".." segment');
    expect(failure('s3://kiln/a/../b').message).toBe('KILN_STORE=s3://kiln/a/../b: the prefix "a/../b" has an empty, "." or ".." segment');
    expect(failure('file://relative/dir').message).toBe('KILN_STORE=file://relative/dir: not a file URL with an absolute path (file:///ABSOLUTE/DIR)');
  });
});

describe('objectStoreFromEnv', () => {
  it('configures S3 from the AWS variables, with us-east-1 for a custom endpoint', () => {
    const store = objectStoreFromEnv({ KILN_STORE: 's3://kiln/team', AWS_ENDPOINT_URL: 'http://127.0.0.1:9000', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 's' });
    expect(store).toBeInstanceOf(LazyS3ObjectStore);
    expect(store?.uri).toBe('s3://kiln/team');
    expect(store?.describe()).toBe('s3://kiln/team at http://127.0.0.1:9000 (us-east-1)');
    const regional = objectStoreFromEnv({ KILN_STORE: 's3://kiln', AWS_ENDPOINT_URL: 'https://s3.example.com', AWS_REGION: 'eu-west-3' });
    expect(regional?.describe()).toBe('s3://kiln at https://s3.example.com (eu-west-3)');
    expect(objectStoreFromEnv({ KILN_STORE: 's3://kiln/team', AWS_REGION: 'eu-west-1' })?.describe()).toBe('s3://kiln/team (AWS S3, eu-west-1)');
    expect(objectStoreFromEnv({ KILN_STORE: 's3://kiln/team' })?.describe()).toBe('s3://kiln/team (AWS S3, region from the AWS profile)');
  });

  it('opens a directory store for file:// URLs', () => {
    const store = objectStoreFromEnv({ KILN_STORE: 'file:///mnt/kiln' });
    expect(store).toBeInstanceOf(LocalObjectStore);
    expect(store?.uri).toBe('file:///mnt/kiln');
    expect(store?.describe()).toBe('file:///mnt/kiln (a shared directory)');
  });
});
