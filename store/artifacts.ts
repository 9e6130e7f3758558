import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

import type { Json } from '../compiler/types';
import { fsyncPath, sha256File } from './atomic';
import { kilnHome } from './paths';
import type { ArtifactRef } from './types';

const URI_PREFIX = 'kiln://sha256/';

export interface PutOptions {
  kind: string;
  meta?: { [key: string]: Json };
}

interface ManifestEntry {
  path: string;
  bytes: number;
  sha256: string;
}

/**
 * Content-addressed artifacts under `<root>/sha256/<hex>`: a file, or a directory whose digest is that of its
 * manifest (sorted relative paths with sizes and digests). Writers stage under `<root>/tmp` and move in with rename.
 */
export class ArtifactStore {
  constructor(readonly root: string = path.join(kilnHome(), 'store')) {}

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
    await this.moveIn(source, target);
    return { uri: URI_PREFIX + hex, kind: options.kind, digest: `sha256:${hex}`, bytes, meta: options.meta ?? {} };
  }

  /** Move a finished directory into the store. The source is consumed. */
  async putDirectory(source: string, options: PutOptions): Promise<ArtifactRef> {
    const manifest = await directoryManifest(source);
    const hex = createHash('sha256').update(JSON.stringify(manifest)).digest('hex');
    const bytes = manifest.reduce((sum, entry) => sum + entry.bytes, 0);
    for (const entry of manifest) await fsyncPath(path.join(source, entry.path));
    await this.moveIn(source, path.join(this.root, 'sha256', hex));
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

  async readJson<T = Json>(ref: Pick<ArtifactRef, 'uri'>): Promise<T> {
    return JSON.parse(await fs.readFile(this.pathOf(ref), 'utf8')) as T;
  }

  /** True when the artifact exists and its content still hashes to its digest. */
  async verify(ref: Pick<ArtifactRef, 'uri' | 'digest'>): Promise<boolean> {
    const target = this.pathOf(ref);
    const found = await contentDigest(target).catch(() => undefined);
    return found !== undefined && ref.digest === `sha256:${found.hex}`;
  }

  private async moveIn(source: string, target: string): Promise<void> {
    await fs.mkdir(path.dirname(target), { recursive: true });
    if (await exists(target)) {
      // Same content is already stored: keep the existing copy.
      await fs.rm(source, { recursive: true, force: true });
      return;
    }
    try {
      await fs.rename(source, target);
    } catch (error) {
      // A concurrent writer stored the same content first.
      if (!(await exists(target))) throw error;
      await fs.rm(source, { recursive: true, force: true });
    }
    await fsyncPath(path.dirname(target));
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
export async function contentDigest(target: string): Promise<{ hex: string; bytes: number; directory: boolean }> {
  const stat = await fs.stat(target);
  if (!stat.isDirectory()) return { ...(await sha256File(target)), directory: false };
  const manifest = await directoryManifest(target);
  const hex = createHash('sha256').update(JSON.stringify(manifest)).digest('hex');
  return { hex, bytes: manifest.reduce((sum, entry) => sum + entry.bytes, 0), directory: true };
}

async function directoryManifest(dir: string): Promise<ManifestEntry[]> {
  const entries: ManifestEntry[] = [];
  async function walk(relative: string): Promise<void> {
    const names = (await fs.readdir(path.join(dir, relative), { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const entry of names) {
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(rel);
      else {
        const { hex, bytes } = await sha256File(path.join(dir, rel));
        entries.push({ path: rel, bytes, sha256: hex });
      }
    }
  }
  await walk('');
  return entries;
}
