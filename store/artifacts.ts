import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

import type { Json } from '../contract/json';
import { CorruptArtifactError } from './artifact-errors';
import { fsyncPath, sha256File } from './atomic';
import { kilnHome } from './paths';
import { makeRoomInCache } from './remote/cache-bound';
import type { ManifestEntry, RemoteArtifacts } from './remote/remote-artifacts';
import { cachedSha256File } from './verified-cache';
import type { ArtifactRef } from './types';

const URI_PREFIX = 'kiln://sha256/';

export interface PutOptions {
  kind: string;
  meta?: { [key: string]: Json };
}

type HashFile = (file: string) => Promise<{ hex: string; bytes: number }>;

/**
 * Content-addressed artifacts under `<root>/sha256/<hex>`: a file, or a directory whose digest is that of its
 * manifest (sorted relative paths with sizes and digests). Writers stage under `<root>/tmp` and move in with rename.
 * With a `remote` (KILN_STORE=s3://...), every artifact put here is uploaded there too, and `root` is the read-through
 * cache: an artifact this machine lacks is downloaded, verified, when a step is about to read it.
 */
export class ArtifactStore {
  constructor(
    readonly root: string = path.join(kilnHome(), 'store'),
    readonly remote?: RemoteArtifacts,
  ) {}

  /** A fresh staging directory on the store's filesystem; put* moves its content in. */
  async stagingDir(label = 'stage'): Promise<string> {
    const dir = path.join(this.root, 'tmp', `${label}-${process.pid}-${randomBytes(6).toString('hex')}`);
    await fs.mkdir(dir, { recursive: true });
    return dir;
  }

  pathOf(ref: Pick<ArtifactRef, 'uri'>): string {
    if (!ref.uri.startsWith(URI_PREFIX)) throw new Error(`not a kiln artifact uri: ${ref.uri}`);
    return path.join(this.root, 'sha256', ref.uri.slice(URI_PREFIX.length));
  }

  /** Move a finished file into the store. The source is consumed. */
  async putFile(source: string, options: PutOptions): Promise<ArtifactRef> {
    await fsyncPath(source);
    const { hex, bytes } = await sha256File(source);
    const target = path.join(this.root, 'sha256', hex);
    await this.moveIn(source, target, hex);
    await this.remote?.uploadFile(hex, target);
    return { uri: URI_PREFIX + hex, kind: options.kind, digest: `sha256:${hex}`, bytes, meta: options.meta ?? {} };
  }

  /** Move a finished directory into the store. The source is consumed. */
  async putDirectory(source: string, options: PutOptions): Promise<ArtifactRef> {
    const manifest = await directoryManifest(source);
    const hex = createHash('sha256').update(JSON.stringify(manifest)).digest('hex');
    const bytes = manifest.reduce((sum, entry) => sum + entry.bytes, 0);
    for (const entry of manifest) await fsyncPath(path.join(source, entry.path));
    const target = path.join(this.root, 'sha256', hex);
    await this.moveIn(source, target, hex);
    await this.remote?.uploadDirectory(hex, target, manifest);
    return { uri: URI_PREFIX + hex, kind: options.kind, digest: `sha256:${hex}`, bytes, meta: options.meta ?? {} };
  }

  async putJson(value: Json, options: PutOptions): Promise<ArtifactRef> {
    const dir = await this.stagingDir('json');
    const file = path.join(dir, 'value.json');
    await fs.writeFile(file, JSON.stringify(value, null, 2) + '\n');
    const ref = await this.putFile(file, options);
    await fs.rm(dir, { recursive: true, force: true });
    return ref;
  }

  /** Parses a JSON artifact, hashing the bytes it read: corrupt ones throw CorruptArtifactError. */
  async readJson<T = Json>(ref: Pick<ArtifactRef, 'uri'>): Promise<T> {
    const target = this.pathOf(ref);
    const bytes = await fs.readFile(target);
    const hex = createHash('sha256').update(bytes).digest('hex');
    if (`${URI_PREFIX}${hex}` !== ref.uri) throw new CorruptArtifactError(ref.uri, target, `sha256:${hex}`);
    return JSON.parse(bytes.toString('utf8')) as T;
  }

  /**
   * True when the artifact exists and its content still hashes to its digest. Files verified earlier in this
   * process and unchanged since (verified-cache.ts) are not hashed again.
   */
  async verify(ref: Pick<ArtifactRef, 'uri' | 'digest'>): Promise<boolean> {
    if (ref.digest !== `sha256:${this.hexOf(ref)}`) return false;
    if (await this.intact(this.pathOf(ref), this.hexOf(ref))) return true;
    // With a shared store, what this machine lacks (or holds damaged) is fetched: the artifact exists if it does there.
    return this.remote !== undefined && (await this.fetch(ref).then(() => true, () => false));
  }

  /**
   * Before a step reads an artifact: throws CorruptArtifactError when it no longer hashes to its name. With a shared
   * store, an artifact missing or damaged here is downloaded first (and a damaged download is the error).
   */
  async assertIntact(ref: Pick<ArtifactRef, 'uri'>): Promise<void> {
    const target = this.pathOf(ref);
    if (this.remote && !(await this.intact(target, this.hexOf(ref)))) {
      await this.fetch(ref);
      return;
    }
    // A missing artifact throws ENOENT here, as the read itself would.
    const found = await contentDigest(target, cachedSha256File);
    if (URI_PREFIX + found.hex !== ref.uri) throw new CorruptArtifactError(ref.uri, target, `sha256:${found.hex}`);
  }

  /**
   * Where an artifact lives, for people to see: its object in the shared store (undefined when it is not there),
   * else its local path.
   */
  async locate(ref: Pick<ArtifactRef, 'uri'>): Promise<string | undefined> {
    return this.remote ? this.remote.locate(this.hexOf(ref)) : this.pathOf(ref);
  }

  private hexOf(ref: Pick<ArtifactRef, 'uri'>): string {
    return path.basename(this.pathOf(ref));
  }

  /** Downloads an artifact from the shared store into this one; ENOENT when it is not there either. */
  private async fetch(ref: Pick<ArtifactRef, 'uri'>): Promise<void> {
    const hex = this.hexOf(ref);
    const staging = await this.stagingDir('fetch');
    try {
      const downloaded = await this.remote!.download(hex, staging);
      if (downloaded === undefined) {
        throw Object.assign(new Error(`artifact ${ref.uri} is neither in ${this.root} nor in ${this.remote!.objects.uri}`), { code: 'ENOENT' });
      }
      // This machine keeps a bounded cache of the shared store: the least recently used make room (KILN_CACHE_MAX_BYTES).
      await makeRoomInCache(this.root, downloaded);
      await this.moveIn(downloaded, this.pathOf(ref), hex);
    } finally {
      await fs.rm(staging, { recursive: true, force: true });
    }
  }

  private async moveIn(source: string, target: string, hex: string): Promise<void> {
    await fs.mkdir(path.dirname(target), { recursive: true });
    if (await exists(target)) {
      // Same name is already stored: keep it only if it still is that content, else the fresh copy replaces it.
      if (await this.intact(target, hex)) await fs.rm(source, { recursive: true, force: true });
      else await this.replace(source, target);
      return;
    }
    try {
      await fs.rename(source, target);
    } catch (error) {
      // A concurrent writer stored the same content first.
      if (!(await exists(target))) throw error;
      if (await this.intact(target, hex)) await fs.rm(source, { recursive: true, force: true });
      else await this.replace(source, target);
    }
    await fsyncPath(path.dirname(target));
  }

  private async intact(target: string, hex: string): Promise<boolean> {
    const found = await contentDigest(target, cachedSha256File).catch(() => undefined);
    return found?.hex === hex;
  }

  /** Swaps a corrupt stored copy for a good one; the corrupt one goes aside first (rename cannot replace a directory). */
  private async replace(source: string, target: string): Promise<void> {
    const aside = path.join(this.root, 'tmp', `corrupt-${path.basename(target)}-${process.pid}-${randomBytes(4).toString('hex')}`);
    await fs.mkdir(path.dirname(aside), { recursive: true });
    await fs.rename(target, aside).catch((error: NodeJS.ErrnoException) => {
      // Another writer moved it aside first.
      if (error.code !== 'ENOENT') throw error;
    });
    await fs.rename(source, target).catch(async (error: NodeJS.ErrnoException) => {
      // Another writer's good copy got there first (a directory rename fails on a non-empty target).
      if (!(await exists(target))) throw error;
      await fs.rm(source, { recursive: true, force: true });
    });
    await fsyncPath(path.dirname(target));
    await fs.rm(aside, { recursive: true, force: true });
  }
}

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    () => true,
    () => false,
  );
}

/**
 * What a stored path hashes to now, as its name should read: a file's sha256, or a directory's manifest digest.
 * `bytes` is the file size or the directory's total. Throws when the path does not exist.
 */
export async function contentDigest(target: string, hashFile: HashFile = sha256File): Promise<{ hex: string; bytes: number; directory: boolean }> {
  const stat = await fs.stat(target);
  if (!stat.isDirectory()) return { ...(await hashFile(target)), directory: false };
  return { ...(await directoryDigest(target, { hashFile })), directory: true };
}

/** A directory's manifest digest; `skip` leaves out top-level names (a registry copy's own registry.json). */
export async function directoryDigest(dir: string, options: { hashFile?: HashFile; skip?: string[] } = {}): Promise<{ hex: string; bytes: number }> {
  const skip = new Set(options.skip ?? []);
  const manifest = (await directoryManifest(dir, options.hashFile)).filter((entry) => !skip.has(entry.path));
  const hex = createHash('sha256').update(JSON.stringify(manifest)).digest('hex');
  return { hex, bytes: manifest.reduce((sum, entry) => sum + entry.bytes, 0) };
}

export async function directoryManifest(dir: string, hashFile: HashFile = sha256File): Promise<ManifestEntry[]> {
  const entries: ManifestEntry[] = [];
  async function walk(relative: string): Promise<void> {
    const names = (await fs.readdir(path.join(dir, relative), { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const entry of names) {
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(rel);
      else {
        const { hex, bytes } = await hashFile(path.join(dir, rel));
        entries.push({ path: rel, bytes, sha256: hex });
      }
    }
  }
  await walk('');
  return entries;
}
