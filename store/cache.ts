import fs from 'node:fs/promises';
import path from 'node:path';

import type { Json } from '../contract/json';
import type { ArtifactStore } from './artifacts';
import { writeFileAtomic } from './atomic';
import { explainChange, type CacheKeyParts } from './cache-key';
import { kilnHome } from './paths';
import { artifactRefsIn } from './references';

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
 * each (pipeline, step) used, so a miss can say which input changed.
 */
export class StepCache {
  constructor(
    readonly store: ArtifactStore,
    readonly root: string = path.join(kilnHome(), 'cache'),
  ) {}

  private entryPath(key: string): string {
    return path.join(this.root, 'entries', `${key}.json`);
  }

  private lastPartsPath(pipeline: string, stepId: string): string {
    return path.join(this.root, 'steps', pipeline, `${stepId}.json`);
  }

  /**
   * A hit only when every artifact the entry names, however nested (lists, meta), still exists and hashes to its
   * digest; a directory is re-derived file by file from its manifest.
   */
  async lookup(key: string, parts: CacheKeyParts, owner: { pipeline: string; stepId: string }): Promise<CacheLookup> {
    const entry = await readJson<CacheEntry>(this.entryPath(key));
    if (entry) {
      const broken = await this.brokenOutputs(entry);
      if (broken.length === 0) return { hit: true, entry };
      // A verified miss: the entry is useless now, and the step must run again.
      await fs.rm(this.entryPath(key), { force: true });
      return { hit: false, reasons: broken.map((name) => `cached output "${name}" is missing or corrupt in the store`) };
    }
    const previous = await readJson<CacheKeyParts>(this.lastPartsPath(owner.pipeline, owner.stepId));
    return { hit: false, reasons: previous ? explainChange(previous, parts) : ['never ran with these inputs'] };
  }

  async save(entry: CacheEntry): Promise<void> {
    await writeFileAtomic(this.entryPath(entry.key), JSON.stringify(entry, null, 2) + '\n');
    await this.remember(entry.producer, entry.parts);
  }

  /** Record the inputs a step last ran with (also for uncached runs), for the next miss explanation. */
  private async remember(owner: { pipeline: string; stepId: string }, parts: CacheKeyParts): Promise<void> {
    await writeFileAtomic(this.lastPartsPath(owner.pipeline, owner.stepId), JSON.stringify(parts, null, 2) + '\n');
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
