// Where shared state lives when it is not only this machine's: an object store (S3-compatible, or a directory that
// behaves like one). Keys are `/`-separated relative paths. Every write that could race another machine's is either
// create-only (content-addressed data: the same key always means the same bytes) or compare-and-swap on the
// object's etag (pointers such as registry aliases), so two writers can never lose one another's update.

export interface ObjectInfo {
  key: string;
  bytes: number;
  /** Opaque version tag for compare-and-swap. */
  etag: string;
  /** The sha256 (hex) of the whole object as kiln computed it when it wrote it, when known. */
  sha256?: string;
}

/** A compare-and-swap write lost: someone else changed the object since it was read. */
export class ObjectConflictError extends Error {
  constructor(readonly key: string) {
    super(`${key} changed while it was being updated`);
    this.name = 'ObjectConflictError';
  }
}

/** The store cannot be used at all (unreachable, no bucket, no permission): one line, and how to fix it. */
export class ObjectStoreError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'ObjectStoreError';
  }
}

export interface ObjectStore {
  /** `s3://bucket/prefix` or `file:///dir`: what `kiln status` and reports show. */
  readonly uri: string;
  /** For the start-up line: the uri and, for S3, the endpoint and region. */
  describe(): string;
  /** Reachable, the bucket exists, and a probe object can be written, read back and deleted. Throws ObjectStoreError. */
  probe(): Promise<void>;

  /**
   * Uploads `file` under `key` unless the key exists (If-None-Match: *): content-addressed data is written once.
   * `sha256` is the file's hex digest, stored with it and sent for the server to check. Large files go up in parts.
   */
  putFileIfAbsent(key: string, file: string, sha256: string): Promise<'written' | 'exists'>;
  /** Downloads `key` into `dest` (replacing it); false when there is no such object. */
  getFile(key: string, dest: string): Promise<boolean>;

  /** A small object's bytes and etag, or undefined when there is none. */
  getBytes(key: string): Promise<{ bytes: Buffer; etag: string } | undefined>;
  /**
   * Writes a small object. `ifMatch`: the etag it must still have (compare-and-swap), or null for "must not exist";
   * absent: unconditional. A lost race throws ObjectConflictError. Returns the new etag.
   */
  putBytes(key: string, bytes: Buffer, options?: { ifMatch?: string | null }): Promise<string>;

  head(key: string): Promise<ObjectInfo | undefined>;
  /** Every object whose key starts with `prefix`, in key order. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  delete(key: string): Promise<void>;
}
