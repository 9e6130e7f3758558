import fs from 'node:fs/promises';
import path from 'node:path';

import type { Json } from '../contract/json';
import type { ArtifactStore } from './artifacts';
import { writeFileAtomic } from './atomic';
import { explainChange, type CacheKeyParts } from './cache-key';
import { kilnHome } from './paths';
import { artifactRefsIn } from './references';
import type { ObjectStore } from './remote/object-store';

export interface CacheEntry {
  key: string;
  parts: CacheKeyParts;
  outputs: { [name: string]: Json };
  createdAt: string;
  producer: { pipeline: string; workflowId: string; stepId: string };
}

export type CacheLookup =
  | { hit: true; entry: CacheEntry }
  | { hit: false; reasons: string[] };

/**
 * Finished step results by cache key, under `$KILN_HOME/cache`: `entries/<key>.json`, plus the last key parts
 * each (pipeline, step) used, so a miss can say which input changed. With a shared store (`remote`), the same
 * names under `cache/` there instead, so a run on one machine is a cache hit on every other.
 */
export class StepCache {
  constructor(
    readonly store: ArtifactStore,
    readonly root: string = path.join(kilnHome(), 'cache'),
    readonly remote?: ObjectStore,
  ) {}

  private entryPath(key: string): string {
    return path.join(this.root, 'entries', `${key}.json`);
  }

  private lastPartsPath(pipeline: string, stepId: string): string {
    return path.join(this.root, 'steps', pipeline, `${stepId}.json`);
  }

  /** The object key of a local path under `root`. */
  private remoteKey(file: string): string {
    return `cache/${path.relative(this.root, file).split(path.sep).join('/')}`;
  }

  private async read<T>(file: string): Promise<T | undefined> {
    if (!this.remote) return readJson<T>(file);
    const found = await this.remote.getBytes(this.remoteKey(file));
    if (!found) return undefined;
    try {
      return JSON.parse(found.bytes.toString('utf8')) as T;
    } catch {
      return undefined;
    }
  }

  private async write(file: string, value: unknown): Promise<void> {
    const text = JSON.stringify(value, null, 2) + '\n';
    if (this.remote) await this.remote.putBytes(this.remoteKey(file), Buffer.from(text));
    else await writeFileAtomic(file, text);
  }

  private async remove(file: string): Promise<void> {
    if (this.remote) await this.remote.delete(this.remoteKey(file));
    else await fs.rm(file, { force: true });
  }

  /**
   * A hit only when every artifact the entry names, however nested (lists, meta), still exists and hashes to its
   * digest; a directory is re-derived file by file from its manifest.
   */
  async lookup(key: string, parts: CacheKeyParts, owner: { pipeline: string; stepId: string }): Promise<CacheLookup> {
    const entry = await this.read<CacheEntry>(this.entryPath(key));
    if (entry) {
      const broken = await this.brokenOutputs(entry);
      if (broken.length === 0) return { hit: true, entry };
      // A verified miss: the entry is useless now, and the step must run again.
      await this.remove(this.entryPath(key));
      return { hit: false, reasons: broken.map((name) => `cached output "${name}" is missing or corrupt in the store`) };
    }
    const previous = await this.read<CacheKeyParts>(this.lastPartsPath(owner.pipeline, owner.stepId));
    return { hit: false, reasons: previous ? explainChange(previous, parts) : ['never ran with these inputs'] };
  }

  /**
   * The entry under `key` as stored, without the verification `lookup` does (and without dropping a broken one):
   * what `kiln compare` reads the key parts from. Undefined when there is none.
   */
  async entry(key: string): Promise<CacheEntry | undefined> {
    return this.read<CacheEntry>(this.entryPath(key));
  }

  async save(entry: CacheEntry): Promise<void> {
    await this.write(this.entryPath(entry.key), entry);
    await this.remember(entry.producer, entry.parts);
  }

  /** Record the inputs a step last ran with (also for uncached runs), for the next miss explanation. */
  private async remember(owner: { pipeline: string; stepId: string }, parts: CacheKeyParts): Promise<void> {
    await this.write(this.lastPartsPath(owner.pipeline, owner.stepId), parts);
  }

  private async brokenOutputs(entry: CacheEntry): Promise<string[]> {
    const broken: string[] = [];
    for (const [name, value] of Object.entries(entry.outputs)) {
      for (const ref of artifactRefsIn(value)) {
        if (!(await this.store.verify(ref))) {
          broken.push(name);
          break;
        }
      }
    }
    return broken;
  }
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch {
    // Missing or unreadable entries are misses; a torn write cannot happen (writes are atomic).
    return undefined;
  }
}
