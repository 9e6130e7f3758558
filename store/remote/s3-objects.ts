// Shared state in an S3-compatible bucket (AWS S3, versitygw, SeaweedFS, MinIO…), configured the AWS SDK's standard
// way. Create-only writes use If-None-Match: * and pointer updates If-Match; whether the server honours them is
// checked once per store (servers that answer 501, or silently ignore the header, get HEAD-then-PUT instead).
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { tempPathFor } from '../atomic';
import { ObjectConflictError, ObjectStoreError, type ObjectInfo, type ObjectStore } from './object-store';
import { s3ClientFromEnv, s3SettingsFromEnv, type S3Settings } from './s3-client';
import { S3RequestError, translateS3Error, type S3Target } from './s3-errors';
import { uploadInParts } from './s3-multipart';

export const DEFAULT_MULTIPART_THRESHOLD = 64 * 1024 * 1024;
export const DEFAULT_PART_BYTES = 16 * 1024 * 1024;

export interface S3ObjectStoreOptions {
  bucket: string;
  /** Key prefix inside the bucket, without leading or trailing `/` ('' for the whole bucket). */
  prefix: string;
  /** Where AWS_ENDPOINT_URL, AWS_REGION, the keys and AWS_PROFILE come from. */
  env?: NodeJS.ProcessEnv;
  /** Files larger than this go up as multipart uploads. */
  multipartThreshold?: number;
  /** Bytes per part (at least 5 MiB). */
  partBytes?: number;
  /** 'auto': use conditional writes if the server honours them; 'off': always HEAD-then-PUT. */
  conditionalWrites?: 'auto' | 'off';
  /** A client of one's own (tests wrap one to play a server without conditional writes). */
  client?: S3Client;
}

interface ConditionalSupport {
  /** If-None-Match: * refuses to overwrite. */
  createOnly: boolean;
  /** If-Match refuses a stale etag. */
  compareAndSwap: boolean;
}

/** Reads of an object whose body and metadata disagree (a write in flight) before giving up. */
const TORN_READ_ATTEMPTS = 5;

export class S3ObjectStore implements ObjectStore {
  readonly uri: string;
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: S3Client;
  private readonly settings: S3Settings;
  private readonly multipartThreshold: number;
  private readonly partBytes: number;
  private readonly conditionalWrites: 'auto' | 'off';
  private support?: Promise<ConditionalSupport>;
  private knownSupport?: ConditionalSupport;
  private resolvedRegion?: string;

  constructor(options: S3ObjectStoreOptions) {
    const env = options.env ?? process.env;
    this.bucket = options.bucket;
    this.prefix = options.prefix.replace(/^\/+|\/+$/gu, '');
    this.uri = this.prefix ? `s3://${this.bucket}/${this.prefix}` : `s3://${this.bucket}`;
    this.settings = s3SettingsFromEnv(env);
    this.client = options.client ?? s3ClientFromEnv(env);
    this.multipartThreshold = options.multipartThreshold ?? DEFAULT_MULTIPART_THRESHOLD;
    this.partBytes = options.partBytes ?? DEFAULT_PART_BYTES;
    this.conditionalWrites = options.conditionalWrites ?? 'auto';
  }

  describe(): string {
    const region = this.settings.region ?? this.resolvedRegion ?? 'region from the AWS profile';
    const where = this.settings.endpoint ? `${this.uri} at ${this.settings.endpoint} (${region})` : `${this.uri} (AWS S3, ${region})`;
    const support = this.knownSupport;
    if (!support || (support.createOnly && support.compareAndSwap)) return where;
    return `${where}, without conditional writes (HEAD-then-PUT)`;
  }

  async probe(): Promise<void> {
    const key = probeKey('probe');
    try {
      // ListObjectsV2 first: unlike a HEAD, its error says whether the bucket or the access key is wrong.
      await this.call('ListObjectsV2', '', () => this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.fullKey(''), MaxKeys: 1 })));
      this.resolvedRegion = await this.client.config.region();
      const bytes = Buffer.from(`kiln probe from ${os.hostname()} pid ${process.pid}\n`);
      await this.putBytes(key, bytes);
      const read = await this.getBytes(key);
      if (!read?.bytes.equals(bytes)) throw new Error('the probe object read back differs from what was written');
      await this.delete(key);
      await this.conditionalSupport();
    } catch (error) {
      const translated = translateS3Error(error, this.target(), 'probe', key);
      if (translated instanceof ObjectStoreError) throw translated;
      throw new ObjectStoreError(
        `${this.describe()}: cannot write, read back and delete a probe object: ${translated.message}`,
        `check that the credentials (AWS_ACCESS_KEY_ID, AWS_PROFILE) may write to ${this.uri}`,
      );
    }
  }

  async putFileIfAbsent(key: string, file: string, sha256: string): Promise<'written' | 'exists'> {
    // Content-addressed: a key that exists holds these bytes already, so there is no need to send them again.
    if (await this.head(key)) return 'exists';
    const { createOnly } = await this.conditionalSupport();
    const { size } = await fs.stat(file);
    try {
      if (size > this.multipartThreshold) {
        await uploadInParts({
          client: this.client,
          bucket: this.bucket,
          key: this.fullKey(key),
          file,
          bytes: size,
          sha256,
          partBytes: this.partBytes,
          createOnly,
          call: (operation, fn) => this.call(operation, key, fn),
        });
      } else {
        // Read whole (it is below the threshold): a Buffer, unlike a stream, can be re-sent when the SDK retries.
        const bytes = await fs.readFile(file);
        const actual = sha256Hex(bytes);
        if (actual !== sha256) throw new Error(`${file} has sha256 ${actual}, not the ${sha256} it was to be stored under`);
        await this.put(key, bytes, createOnly ? { IfNoneMatch: '*' } : {});
      }
      return 'written';
    } catch (error) {
      // 412: another writer created it first. A 409 (a conflicting write in progress) may yet fail: look before trusting it.
      if (error instanceof S3RequestError && error.isConflict && (await this.head(key))) return 'exists';
      throw error;
    }
  }

  async getFile(key: string, dest: string): Promise<boolean> {
    const object = await this.getObject(key);
    if (!object) return false;
    await fs.mkdir(path.dirname(dest), { recursive: true });
    const tmp = tempPathFor(dest);
    try {
      await this.call('GetObject', key, () => pipeline(object.Body as Readable, createWriteStream(tmp)));
      await fs.rename(tmp, dest);
    } finally {
      await fs.rm(tmp, { force: true });
    }
    return true;
  }

  /**
   * The body and etag, read again when the body does not hash to the sha256 kiln stored with it: a server may answer
   * a read that overlaps a write with the new etag and the old body (versitygw with its metadata in a sidecar does),
   * and a compare-and-swap on such a read would overwrite what it never saw.
   */
  async getBytes(key: string): Promise<{ bytes: Buffer; etag: string } | undefined> {
    for (let attempt = 1; ; attempt++) {
      const object = await this.getObject(key);
      if (!object) return undefined;
      const bytes = Buffer.from(await this.call('GetObject', key, () => object.Body.transformToByteArray()));
      const expected = object.Metadata?.sha256;
      if (!expected || createHash('sha256').update(bytes).digest('hex') === expected) return { bytes, etag: object.ETag ?? '' };
      if (attempt >= TORN_READ_ATTEMPTS) {
        throw new S3RequestError(`S3 GetObject ${key} on ${this.describe()}: the body does not hash to its sha256 metadata after ${attempt} reads`, undefined, 'TornRead');
      }
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
    }
  }

  async putBytes(key: string, bytes: Buffer, options: { ifMatch?: string | null } = {}): Promise<string> {
    const { ifMatch } = options;
    let condition: Partial<PutObjectCommandInput> = {};
    if (ifMatch !== undefined) {
      const support = await this.conditionalSupport();
      if (ifMatch === null ? support.createOnly : support.compareAndSwap) {
        condition = ifMatch === null ? { IfNoneMatch: '*' } : { IfMatch: ifMatch };
      } else if ((await this.head(key))?.etag !== (ifMatch ?? undefined)) {
        // The fallback narrows the race to the moment between the HEAD and the PUT; it cannot close it.
        throw new ObjectConflictError(key);
      }
    }
    try {
      return await this.put(key, bytes, condition);
    } catch (error) {
      // A 404 under If-Match: the object we read is gone, which is a change like any other.
      if (error instanceof S3RequestError && (error.isConflict || (ifMatch && error.isNotFound))) throw new ObjectConflictError(key);
      throw error;
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const head = await this.call('HeadObject', key, () => this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) })));
      return { key, bytes: head.ContentLength ?? 0, etag: head.ETag ?? '', sha256: head.Metadata?.sha256 };
    } catch (error) {
      if (error instanceof S3RequestError && error.isNotFound) return undefined;
      throw error;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const base = this.fullKey('');
    let token: string | undefined;
    do {
      const page = await this.call('ListObjectsV2', prefix, () =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: base + prefix, ContinuationToken: token })),
      );
      for (const object of page.Contents ?? []) {
        if (!object.Key?.startsWith(base)) continue;
        yield { key: object.Key.slice(base.length), bytes: object.Size ?? 0, etag: object.ETag ?? '' };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(key: string): Promise<void> {
    await this.call('DeleteObject', key, () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) })));
  }

  private async put(key: string, bytes: Buffer, condition: Partial<PutObjectCommandInput>): Promise<string> {
    const sha256 = createHash('sha256').update(bytes).digest();
    const result = await this.call('PutObject', key, () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.fullKey(key),
          Body: bytes,
          ContentLength: bytes.length,
          ChecksumSHA256: sha256.toString('base64'),
          Metadata: { sha256: sha256.toString('hex') },
          ...condition,
        }),
      ),
    );
    return result.ETag ?? '';
  }

  private async getObject(key: string) {
    try {
      const object = await this.call('GetObject', key, () => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) })));
      if (!object.Body) throw new S3RequestError(`S3 GetObject ${key} on ${this.describe()}: the response had no body`, undefined, 'NoBody');
      return { ...object, Body: object.Body };
    } catch (error) {
      if (error instanceof S3RequestError && error.isNotFound) return undefined;
      throw error;
    }
  }

  /** Whether the server honours conditional writes, found out once per store by trying them on a probe object. */
  private conditionalSupport(): Promise<ConditionalSupport> {
    this.support ??= this.detectConditionalSupport().then(
      (support) => (this.knownSupport = support),
      (error: unknown) => {
        this.support = undefined;
        throw error;
      },
    );
    return this.support;
  }

  private async detectConditionalSupport(): Promise<ConditionalSupport> {
    if (this.conditionalWrites === 'off') return { createOnly: false, compareAndSwap: false };
    const key = probeKey('conditional');
    const bytes = Buffer.from('kiln: does this server honour If-None-Match and If-Match?\n');
    const refused = async (condition: Partial<PutObjectCommandInput>): Promise<boolean | 'unsupported'> => {
      try {
        await this.put(key, bytes, condition);
        return false;
      } catch (error) {
        if (error instanceof S3RequestError && error.isNotImplemented) return 'unsupported';
        if (error instanceof S3RequestError && error.isConflict) return true;
        throw error;
      }
    };
    try {
      if ((await refused({ IfNoneMatch: '*' })) === 'unsupported') return { createOnly: false, compareAndSwap: false };
      return {
        // The probe object exists now: a server that honours the headers refuses both writes.
        createOnly: (await refused({ IfNoneMatch: '*' })) === true,
        compareAndSwap: (await refused({ IfMatch: '"kiln-no-such-etag"' })) === true,
      };
    } finally {
      await this.delete(key).catch(() => undefined);
    }
  }

  private fullKey(key: string): string {
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  private target(): S3Target {
    return { description: this.describe(), bucket: this.bucket, customEndpoint: this.settings.endpoint !== undefined };
  }

  private async call<T>(operation: string, key: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw translateS3Error(error, this.target(), operation, key);
    }
  }
}

/** A key no one else uses: probes from many machines at once must not trip over one another. */
function probeKey(what: string): string {
  return `.kiln-probe/${what}-${os.hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
