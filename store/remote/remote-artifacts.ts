// Artifacts on a shared object store. The layout is content-addressed, so what one machine wrote another reads
// unchanged and two machines writing the same artifact write the same objects:
//   artifacts/files/sha256/<hex>        a file artifact, and every file of every directory artifact (deduplicated)
//   artifacts/dirs/sha256/<hex>.json    a directory artifact's manifest (its sha256 is the artifact's digest),
//                                       written after its files, so a manifest that exists has all of them
// The local store ($KILN_HOME/store) is the read-through cache: a download is verified against its name before it
// moves in, and a corrupt or half-written object is never used.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

import { CorruptArtifactError } from '../artifact-errors';
import { sha256File } from '../atomic';
import { ObjectConflictError, type ObjectStore } from './object-store';

export interface ManifestEntry {
  path: string;
  bytes: number;
  sha256: string;
}

export const fileKey = (hex: string): string => `artifacts/files/sha256/${hex}`;
export const dirKey = (hex: string): string => `artifacts/dirs/sha256/${hex}.json`;

export class RemoteArtifacts {
  constructor(readonly objects: ObjectStore) {}

  /** Names an artifact by where it lives remotely, for status lines and reports. */
  uriOf(hex: string, directory: boolean): string {
    return `${this.objects.uri.replace(/\/+$/u, '')}/${directory ? dirKey(hex) : fileKey(hex)}`;
  }

  /** The uri of the object that holds artifact `hex` (its manifest, for a directory); undefined when there is none. */
  async locate(hex: string): Promise<string | undefined> {
    if (await this.objects.head(dirKey(hex))) return this.uriOf(hex, true);
    if (await this.objects.head(fileKey(hex))) return this.uriOf(hex, false);
    return undefined;
  }

  async uploadFile(hex: string, file: string): Promise<void> {
    await this.objects.putFileIfAbsent(fileKey(hex), file, hex);
  }

  /** The files first, then the manifest: a manifest another machine can read has every file it names. */
  async uploadDirectory(hex: string, dir: string, manifest: ManifestEntry[]): Promise<void> {
    for (const entry of manifest) await this.objects.putFileIfAbsent(fileKey(entry.sha256), path.join(dir, entry.path), entry.sha256);
    try {
      await this.objects.putBytes(dirKey(hex), Buffer.from(JSON.stringify(manifest)), { ifMatch: null });
    } catch (error) {
      // Another machine stored the same directory first: the same name, the same manifest.
      if (!(error instanceof ObjectConflictError)) throw error;
    }
  }

  /**
   * Downloads the artifact `hex` into `staging` (a fresh directory) and returns the path of the file or directory,
   * verified against its name; undefined when the store does not have it. Throws CorruptArtifactError when what it
   * holds does not hash to its name.
   */
  async download(hex: string, staging: string): Promise<string | undefined> {
    const manifestObject = await this.objects.getBytes(dirKey(hex));
    if (manifestObject) {
      const uri = this.uriOf(hex, true);
      const actual = createHash('sha256').update(manifestObject.bytes).digest('hex');
      if (actual !== hex) throw new CorruptArtifactError(`kiln://sha256/${hex}`, uri, `sha256:${actual}`);
      const manifest = JSON.parse(manifestObject.bytes.toString('utf8')) as ManifestEntry[];
      const dir = path.join(staging, hex);
      // An empty directory is an artifact too, and no file of it would create the directory.
      await fs.mkdir(dir, { recursive: true });
      for (const entry of manifest) {
        const dest = path.join(dir, entry.path);
        if (!dest.startsWith(dir + path.sep)) throw new CorruptArtifactError(`kiln://sha256/${hex}`, uri, `a manifest entry outside the directory: ${entry.path}`);
        await fs.mkdir(path.dirname(dest), { recursive: true });
        await this.fetchVerified(entry.sha256, dest, { hex, path: entry.path });
      }
      return dir;
    }
    const file = path.join(staging, hex);
    return (await this.fetchVerified(hex, file)) ? file : undefined;
  }

  /**
   * Downloads the file object `hex` into `dest` and checks its sha256; false when there is none. For a file of the
   * directory artifact `of`, a missing object is damage too, and the error names that artifact (the one a step
   * asked for, and the one `kiln store verify --repair` deletes), not the file's own digest.
   */
  private async fetchVerified(hex: string, dest: string, of?: { hex: string; path: string }): Promise<boolean> {
    const artifact = `kiln://sha256/${of?.hex ?? hex}`;
    const where = of ? `${this.uriOf(hex, false)} (its ${of.path})` : this.uriOf(hex, false);
    if (!(await this.objects.getFile(fileKey(hex), dest))) {
      if (!of) return false;
      throw new CorruptArtifactError(artifact, where, 'missing (a directory manifest names it)');
    }
    const { hex: actual } = await sha256File(dest);
    if (actual !== hex) {
      await fs.rm(dest, { force: true });
      throw new CorruptArtifactError(artifact, where, `sha256:${actual}`);
    }
    return true;
  }
}
