import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import type { Json } from '../../../contract/json';
import { ArtifactStore } from '../../../store/artifacts';
import { StepCache } from '../../../store/cache';
import { CheckpointStore, checkpointRoot } from '../../../store/checkpoints';
import type { ArtifactRef } from '../../../store/types';

/** A throwaway KILN_HOME with the store, cache and checkpoints laid out as the worker lays them out. */
export interface TempHome {
  home: string;
  store: ArtifactStore;
  cache: StepCache;
  remove(): Promise<void>;
}

export async function tempHome(): Promise<TempHome> {
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-store-'));
  const store = new ArtifactStore(path.join(home, 'store'));
  const cache = new StepCache(store, path.join(home, 'cache'));
  return { home, store, cache, remove: () => fs.rm(home, { recursive: true, force: true }) };
}

/** A directory artifact: two files, one of them in a subdirectory. */
export async function putDir(store: ArtifactStore, label: string): Promise<ArtifactRef> {
  const dir = path.join(await store.stagingDir('test'), label);
  await fs.mkdir(path.join(dir, 'sub'), { recursive: true });
  await fs.writeFile(path.join(dir, 'vocab.txt'), `[PAD]\n[UNK]\n${label}\n`);
  await fs.writeFile(path.join(dir, 'sub', 'config.json'), JSON.stringify({ label }));
  const ref = await store.putDirectory(dir, { kind: 'tokenizer' });
  await fs.rm(path.dirname(dir), { recursive: true, force: true });
  return ref;
}

export async function cacheEntry(cache: StepCache, key: string, outputs: { [name: string]: Json }, stepId = 'step'): Promise<string> {
  await cache.save({
    key,
    parts: { type: 'test/x@v1', implementation: 1, inputs: {} },
    outputs,
    createdAt: new Date().toISOString(),
    producer: { pipeline: 'p', workflowId: 'wf', stepId },
  });
  return path.join(cache.root, 'entries', `${key}.json`);
}

/** Two checkpoints (steps 1 and 2) of a step of a run; returns their step-<N> directories. */
export async function checkpoints(home: string, workflowId: string, stepId = 'train'): Promise<string[]> {
  const store = new CheckpointStore(checkpointRoot(workflowId, stepId, home));
  const dirs: string[] = [];
  for (const step of [1, 2]) {
    const files = new Map([['weights.bin', new Uint8Array([step, 2, 3, 4])]]);
    dirs.push((await store.save(step, files, { lr: 0.1 })).path);
  }
  return dirs;
}

/** Every path under a directory with its size and mtime, to show that nothing changed. */
export async function snapshot(root: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: string): Promise<void> {
    for (const entry of (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, entry.name);
      const stat = await fs.stat(p);
      out.push(`${path.relative(root, p)} ${stat.size} ${stat.mtimeMs}`);
      if (entry.isDirectory()) await walk(p);
    }
  }
  await walk(root);
  return out;
}
