// Training checkpoints mirrored to the shared store, so that a training step resumed on another machine finds the
// checkpoint the dead one wrote. Each (workflow, step) root $KILN_HOME/checkpoints/<workflow>/<step>/ maps to
// checkpoints/<workflow>/<step>/ there: its step-<N>/ directories (written once, never changed), then registry.json
// and metrics.jsonl, uploaded after the files they name. A pull fetches the registered checkpoints this machine
// lacks; the training thread verifies every digest before it resumes, as it does for local ones.
import fs from 'node:fs/promises';
import path from 'node:path';

import { sha256File, writeFileAtomic } from '../atomic';
import { readRegistry, REGISTRY_FILE, writeRegistry } from '../checkpoint-registry';
import type { CheckpointRecord } from '../checkpoints';
import type { ObjectStore } from './object-store';

/** The training metrics file beside the checkpoints (nlp/training/thread-messages.ts METRICS_FILE). */
const METRICS_FILE = 'metrics.jsonl';

export interface CheckpointSync {
  /** Fetches the checkpoints registered in the shared store that this machine lacks. */
  pull(): Promise<void>;
  /** Uploads a checkpoint just written, then the registry and metrics that name it. */
  push(record: CheckpointRecord): Promise<void>;
}

export class CheckpointMirror {
  constructor(
    private readonly objects: ObjectStore,
    /** `$KILN_HOME/checkpoints`: roots below it map to keys below `checkpoints/`. */
    private readonly localBase: string,
  ) {}

  for(root: string): CheckpointSync {
    const relative = path.relative(this.localBase, root);
    if (relative.startsWith('..') || path.isAbsolute(relative)) throw new Error(`${root} is not under ${this.localBase}`);
    const prefix = `checkpoints/${relative.split(path.sep).join('/')}`;
    return {
      pull: () => this.pull(root, prefix),
      push: (record) => this.push(root, prefix, record),
    };
  }

  private async push(root: string, prefix: string, record: CheckpointRecord): Promise<void> {
    const dir = path.basename(record.path);
    for (const name of (await fs.readdir(record.path)).sort()) {
      const file = path.join(record.path, name);
      await this.objects.putFileIfAbsent(`${prefix}/${dir}/${name}`, file, (await sha256File(file)).hex);
    }
    for (const name of [METRICS_FILE, REGISTRY_FILE]) {
      const bytes = await fs.readFile(path.join(root, name)).catch(() => undefined);
      if (bytes) await this.objects.putBytes(`${prefix}/${name}`, bytes);
    }
  }

  private async pull(root: string, prefix: string): Promise<void> {
    const remote = await this.objects.getBytes(`${prefix}/${REGISTRY_FILE}`);
    if (!remote) return;
    await fs.mkdir(root, { recursive: true });
    const staging = await fs.mkdtemp(path.join(root, '.pull-'));
    try {
      await fs.writeFile(path.join(staging, REGISTRY_FILE), remote.bytes);
      const theirs = await readRegistry(staging);
      if (!theirs.entries) return;
      const ours = (await readRegistry(root)).entries ?? [];
      const have = new Set(ours.map((e) => e.dir));
      const fetched = [];
      for (const entry of theirs.entries) {
        if (have.has(entry.dir)) continue;
        const into = path.join(staging, entry.dir);
        await fs.mkdir(into);
        for await (const object of this.objects.list(`${prefix}/${entry.dir}/`)) {
          await this.objects.getFile(object.key, path.join(into, object.key.slice(prefix.length + entry.dir.length + 2)));
        }
        await fs.rm(path.join(root, entry.dir), { recursive: true, force: true });
        await fs.rename(into, path.join(root, entry.dir));
        fetched.push(entry);
      }
      if (fetched.length === 0) return;
      await writeRegistry(root, [...ours, ...fetched]);
      // The metrics up to the newest checkpoint: the resumed run continues them (it cuts what came after).
      const metrics = await this.objects.getBytes(`${prefix}/${METRICS_FILE}`);
      const local = await fs.stat(path.join(root, METRICS_FILE)).catch(() => undefined);
      if (metrics && (!local || local.size < metrics.bytes.length)) await writeFileAtomic(path.join(root, METRICS_FILE), metrics.bytes);
    } finally {
      await fs.rm(staging, { recursive: true, force: true });
    }
  }
}
