// A directory that behaves like an object store: what `KILN_STORE=file:///dir` selects (a filesystem every machine
// mounts), and the reference the S3 store is tested against. An object is the file named by its key under the root;
// the store's own temp files and compare-and-swap locks live in `.kiln-objects/`, which list() never shows.
import { createHash, randomBytes } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { fsyncPath, tempPathFor } from '../atomic';
import { withFileLock } from '../../system/file-lock';
import { ObjectConflictError, ObjectStoreError, type ObjectInfo, type ObjectStore } from './object-store';

const INTERNAL = '.kiln-objects';
/**
 * Objects up to this size are tagged by the sha256 of their content. Larger ones (content-addressed blobs, written
 * once) are tagged by inode, size and mtime, so that listing a store does not read every weight file in it.
 */
const HASHED_ETAG_MAX_BYTES = 8 * 1024 * 1024;
const LOCK_OPTIONS = { waitMs: 60_000, staleMs: 120_000, what: 'to finish updating an object' };

export class LocalObjectStore implements ObjectStore {
  readonly root: string;
  readonly uri: string;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.uri = pathToFileURL(this.root).href;
  }

  describe(): string {
    return `${this.uri} (a shared directory)`;
  }

  async probe(): Promise<void> {
    const stat = await fs.stat(this.root).catch(() => undefined);
    // Never created on demand: an unmounted share would silently become this machine's private directory.
    if (!stat?.isDirectory()) {
      throw new ObjectStoreError(
        `${this.uri}: no such directory`,
        `mount the shared filesystem at ${this.root} (or create the directory) on every machine, or fix KILN_STORE`,
      );
    }
    try {
      const probe = Buffer.from(`kiln probe ${process.pid}\n`);
      const tmp = await this.writeTemp(probe);
      const read = await fs.readFile(tmp);
      await fs.rm(tmp);
      if (!read.equals(probe)) throw new Error('the probe file read back differs from what was written');
    } catch (error) {
      throw new ObjectStoreError(
        `${this.uri}: cannot write and read back a probe file: ${oneLine(error)}`,
        `check that this user may write to ${this.root} on every machine`,
      );
    }
  }

  async putFileIfAbsent(key: string, file: string, sha256: string): Promise<'written' | 'exists'> {
    const target = this.pathOf(key);
    if (await isFile(target)) return 'exists';
    const tmp = await this.copyToTemp(file, sha256);
    try {
      // link() fails when the name exists, so of two writers racing on one key exactly one creates it.
      return (await linkNew(tmp, target)) ? 'written' : 'exists';
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  async getFile(key: string, dest: string): Promise<boolean> {
    const source = this.pathOf(key);
    await fs.mkdir(path.dirname(dest), { recursive: true });
    const tmp = tempPathFor(dest);
    try {
      await fs.copyFile(source, tmp);
    } catch (error) {
      await fs.rm(tmp, { force: true });
      if (isMissing(error)) return false;
      throw error;
    }
    await fs.rename(tmp, dest);
    return true;
  }

  async getBytes(key: string): Promise<{ bytes: Buffer; etag: string } | undefined> {
    const handle = await fs.open(this.pathOf(key), 'r').catch((error: unknown) => {
      if (isMissing(error)) return undefined;
      throw error;
    });
    if (!handle) return undefined;
    try {
      const stat = await handle.stat({ bigint: true });
      const bytes = await handle.readFile();
      return { bytes, etag: etagOf(stat, bytes) };
    } finally {
      await handle.close();
    }
  }

  async putBytes(key: string, bytes: Buffer, options: { ifMatch?: string | null } = {}): Promise<string> {
    const target = this.pathOf(key);
    const tmp = await this.writeTemp(bytes);
    try {
      if (options.ifMatch === null) {
        const etag = etagOf(await fs.stat(tmp, { bigint: true }), bytes);
        if (!(await linkNew(tmp, target))) throw new ObjectConflictError(key);
        return etag;
      }
      const ifMatch = options.ifMatch;
      // Every replacement and delete of a key holds its lock, so nothing lands between the check and the rename.
      return await this.withKeyLock(key, async () => {
        if (ifMatch !== undefined && (await this.info(key, false))?.etag !== ifMatch) throw new ObjectConflictError(key);
        await fs.mkdir(path.dirname(target), { recursive: true });
        await fs.rename(tmp, target);
        await fsyncPath(path.dirname(target));
        return etagOf(await fs.stat(target, { bigint: true }), bytes);
      });
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  head(key: string): Promise<ObjectInfo | undefined> {
    return this.info(key, true);
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    // Start at the deepest directory the prefix names; the walk yields keys in byte order.
    const start = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    yield* this.walk(start, prefix);
  }

  async delete(key: string): Promise<void> {
    const target = this.pathOf(key);
    await this.withKeyLock(key, async () => {
      try {
        await fs.unlink(target);
      } catch (error) {
        // Nothing there, or only a directory of longer keys: as in S3, deleting an absent key is not an error.
        if (!['ENOENT', 'ENOTDIR', 'EISDIR', 'EPERM'].includes((error as NodeJS.ErrnoException).code ?? '') || (await isFile(target))) throw error;
      }
    });
  }

  private async *walk(dirKey: string, prefix: string): AsyncIterable<ObjectInfo> {
    let entries;
    try {
      entries = await fs.readdir(path.join(this.root, dirKey), { withFileTypes: true });
    } catch (error) {
      if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw error;
    }
    // A directory sorts as "name/", so that "a-b" comes before everything under "a/", as in S3's key order.
    const sorted = entries
      .filter((entry) => !(dirKey === '' && entry.name === INTERNAL) && (entry.isFile() || entry.isDirectory()))
      .map((entry) => ({ entry, name: entry.isDirectory() ? `${entry.name}/` : entry.name }))
      .sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
    for (const { entry, name } of sorted) {
      const key = dirKey + name;
      if (entry.isDirectory()) {
        if (key.startsWith(prefix) || prefix.startsWith(key)) yield* this.walk(key, prefix);
      } else if (key.startsWith(prefix)) {
        const info = await this.info(key, false);
        if (info) yield info;
      }
    }
  }

  /** What head() and list() return; `withSha256` also hashes a large object (head only: list must stay cheap). */
  private async info(key: string, withSha256: boolean): Promise<ObjectInfo | undefined> {
    const handle = await fs.open(this.pathOf(key), 'r').catch((error: unknown) => {
      if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'EISDIR') return undefined;
      throw error;
    });
    if (!handle) return undefined;
    try {
      const stat = await handle.stat({ bigint: true });
      if (!stat.isFile()) return undefined;
      const bytes = Number(stat.size);
      if (bytes <= HASHED_ETAG_MAX_BYTES) {
        const sha256 = createHash('sha256').update(await handle.readFile()).digest('hex');
        return { key, bytes, etag: sha256, sha256 };
      }
      const info: ObjectInfo = { key, bytes, etag: statTag(stat) };
      if (withSha256) {
        const hash = createHash('sha256');
        for await (const chunk of handle.createReadStream({ autoClose: false })) hash.update(chunk as Buffer);
        info.sha256 = hash.digest('hex');
      }
      return info;
    } finally {
      await handle.close();
    }
  }

  private pathOf(key: string): string {
    const segments = key.split('/');
    if (key === '' || segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('\\')) || segments[0] === INTERNAL) {
      throw new Error(`invalid object key "${key}" (keys are relative /-separated paths, not under ${INTERNAL}/)`);
    }
    return path.join(this.root, ...segments);
  }

  private withKeyLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const name = createHash('sha256').update(key).digest('hex').slice(0, 32);
    return withFileLock(path.join(this.root, INTERNAL, 'locks', `${name}.lock`), LOCK_OPTIONS, fn);
  }

  /** A new durable file in the store's temp directory (same filesystem as the objects, so link and rename work). */
  private async writeTemp(bytes: Buffer): Promise<string> {
    const tmp = await this.tempPath();
    const handle = await fs.open(tmp, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return tmp;
  }

  /** Copies `file` into the temp directory, checking on the way that it hashes to `sha256`. */
  private async copyToTemp(file: string, sha256: string): Promise<string> {
    const tmp = await this.tempPath();
    const hash = createHash('sha256');
    const out = await fs.open(tmp, 'wx');
    const input = await fs.open(file, 'r');
    try {
      for await (const chunk of input.createReadStream({ autoClose: false })) {
        hash.update(chunk as Buffer);
        await out.write(chunk as Buffer);
      }
      await out.sync();
    } catch (error) {
      await fs.rm(tmp, { force: true });
      throw error;
    } finally {
      await input.close();
      await out.close();
    }
    const actual = hash.digest('hex');
    if (actual !== sha256) {
      await fs.rm(tmp, { force: true });
      throw new Error(`${file} has sha256 ${actual}, not the ${sha256} it was to be stored under`);
    }
    return tmp;
  }

  private async tempPath(): Promise<string> {
    const dir = path.join(this.root, INTERNAL, 'tmp');
    await fs.mkdir(dir, { recursive: true });
    return path.join(dir, `${process.pid}.${randomBytes(8).toString('hex')}.tmp`);
  }
}

/** Gives `tmp` the name `target` unless `target` exists; false when it did. */
async function linkNew(tmp: string, target: string): Promise<boolean> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  try {
    await fs.link(tmp, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  await fsyncPath(path.dirname(target));
  return true;
}

/**
 * The content's sha256 for a small object; for a large one its inode, size and mtime. Every write makes a new inode
 * (temp file, then rename or link), and large objects are content-addressed, never rewritten in place.
 */
function etagOf(stat: BigIntStats, bytes: Buffer): string {
  return stat.size <= BigInt(HASHED_ETAG_MAX_BYTES) ? createHash('sha256').update(bytes).digest('hex') : statTag(stat);
}

function statTag(stat: BigIntStats): string {
  return `${stat.ino}-${stat.size}-${stat.mtimeNs}`;
}

async function isFile(file: string): Promise<boolean> {
  return (await fs.stat(file).catch(() => undefined))?.isFile() ?? false;
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
