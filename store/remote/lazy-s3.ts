// The S3 store behind KILN_STORE, with the AWS SDK loaded on first use: commands that never touch the store (and
// every command when KILN_STORE is unset) do not pay the ~90 ms it takes to load.
import type { ObjectInfo, ObjectStore } from './object-store';
import type { S3ObjectStore, S3ObjectStoreOptions } from './s3-objects';
import { s3SettingsFromEnv } from './s3-settings';

export class LazyS3ObjectStore implements ObjectStore {
  readonly uri: string;
  private store?: S3ObjectStore;
  private loading?: Promise<S3ObjectStore>;

  constructor(private readonly options: S3ObjectStoreOptions) {
    const prefix = options.prefix.replace(/^\/+|\/+$/gu, '');
    this.uri = prefix ? `s3://${options.bucket}/${prefix}` : `s3://${options.bucket}`;
  }

  private load(): Promise<S3ObjectStore> {
    this.loading ??= import('./s3-objects').then(({ S3ObjectStore }) => (this.store = new S3ObjectStore(this.options)));
    return this.loading;
  }

  describe(): string {
    if (this.store) return this.store.describe();
    const { endpoint, region = 'region from the AWS profile' } = s3SettingsFromEnv(this.options.env ?? process.env);
    return endpoint ? `${this.uri} at ${endpoint} (${region})` : `${this.uri} (AWS S3, ${region})`;
  }

  async probe(): Promise<void> {
    return (await this.load()).probe();
  }

  async putFileIfAbsent(key: string, file: string, sha256: string): Promise<'written' | 'exists'> {
    return (await this.load()).putFileIfAbsent(key, file, sha256);
  }

  async getFile(key: string, dest: string): Promise<boolean> {
    return (await this.load()).getFile(key, dest);
  }

  async getBytes(key: string): Promise<{ bytes: Buffer; etag: string } | undefined> {
    return (await this.load()).getBytes(key);
  }

  async putBytes(key: string, bytes: Buffer, options?: { ifMatch?: string | null }): Promise<string> {
    return (await this.load()).putBytes(key, bytes, options);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    return (await this.load()).head(key);
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    yield* (await this.load()).list(prefix);
  }

  async delete(key: string): Promise<void> {
    return (await this.load()).delete(key);
  }
}
