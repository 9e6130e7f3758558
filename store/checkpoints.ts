// Training checkpoints of one (workflow, step) under $KILN_HOME/checkpoints/<workflowId>/<stepId>/step-<N>/.
// A save writes every file into a temp directory beside the target, fsyncs them, renames the directory
// into place, fsyncs the parent, and only then registers it (registry.json) and returns it for reporting.
// Readers verify every digest and fall back to older checkpoints when the newest is damaged.
import fs from 'node:fs/promises';
import path from 'node:path';

import type { Json } from '../contract/json';
import { fsyncPath, tempPathFor } from './atomic';
import { CheckpointConfigMismatchError, CheckpointError } from './checkpoint-errors';
import { MANIFEST_FILE, buildManifest, configDifferences, sha256Hex, verifyCheckpoint, type CheckpointManifest } from './checkpoint-manifest';
import { readRegistry, scanStepDirs, stepDirName, writeRegistry, type RegistryEntry } from './checkpoint-registry';
import type { CheckpointSync } from './remote/checkpoint-mirror';

/** What heartbeats and logs name: enough to find and check the checkpoint again. */
export interface CheckpointRecord {
  [key: string]: Json;
  step: number;
  /** Absolute path of the step-<N> directory. */
  path: string;
  /** `sha256:<hex>` of its checkpoint.json. */
  digest: string;
}

export interface VerifiedCheckpoint {
  record: CheckpointRecord;
  manifest: CheckpointManifest;
  /** The checkpoint's files, exactly the bytes that were verified. */
  files: Map<string, Buffer>;
}

export interface LatestOptions {
  /** The current config; a verified checkpoint written under another one is an error, not a fallback. */
  config?: Json;
  /** A checkpoint named by a heartbeat: considered alongside the registry's. */
  hint?: Pick<CheckpointRecord, 'step' | 'path' | 'digest'> | null;
  log?: (message: string) => void;
}

/** Workflow and step ids become single path components; nothing in them can climb out of the root. */
function pathComponent(id: string): string {
  const safe = id.replace(/[^A-Za-z0-9._-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return safe === '' || /^\.+$/.test(safe) ? `_${safe}` : safe;
}

export function checkpointRoot(workflowId: string, stepId: string, home: string): string {
  return path.join(home, 'checkpoints', pathComponent(workflowId), pathComponent(stepId));
}

/** Where a home keeps each (workflow, step)'s checkpoints; what training activities are handed. */
export interface CheckpointRoots {
  root(workflowId: string, stepId: string): string;
  /** With a shared store: the mirror of a root there (pull before training, push each checkpoint). */
  sync?(root: string): CheckpointSync;
}

export function checkpointRoots(home: string): CheckpointRoots {
  return { root: (workflowId, stepId) => checkpointRoot(workflowId, stepId, home) };
}

async function writeSynced(file: string, data: Uint8Array | string): Promise<void> {
  const handle = await fs.open(file, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const TEMP_DIR = /^\.step-\d+\..*\.tmp$/;

export class CheckpointStore {
  readonly keep: number;
  private readonly log: (message: string) => void;

  constructor(
    readonly root: string,
    options: { keep?: number; log?: (message: string) => void } = {},
  ) {
    this.keep = Math.max(1, options.keep ?? 3);
    this.log = options.log ?? (() => {});
  }

  /** Writes, registers and prunes; returns the checkpoint only once it is durable and registered. */
  async save(step: number, files: ReadonlyMap<string, Uint8Array>, config: Json): Promise<CheckpointRecord> {
    if (files.has(MANIFEST_FILE)) throw new Error(`a checkpoint file may not be called ${MANIFEST_FILE}`);
    await fs.mkdir(this.root, { recursive: true });
    await this.removeTempDirs();
    const name = stepDirName(step);
    const target = path.join(this.root, name);
    const temp = tempPathFor(target);
    const manifestBytes = Buffer.from(JSON.stringify(buildManifest(step, files, config), null, 2) + '\n');
    await fs.mkdir(temp);
    try {
      for (const [file, data] of files) await writeSynced(path.join(temp, file), data);
      await writeSynced(path.join(temp, MANIFEST_FILE), manifestBytes);
      await fsyncPath(temp);
      // A directory of the same step exists only when a retry redoes that step (it was unregistered or damaged).
      await fs.rm(target, { recursive: true, force: true });
      await fs.rename(temp, target);
    } catch (error) {
      await fs.rm(temp, { recursive: true, force: true });
      throw error;
    }
    await fsyncPath(this.root);
    const digest = `sha256:${sha256Hex(manifestBytes)}`;
    await this.register({ step, dir: name, digest });
    return { step, path: target, digest };
  }

  /** Registered checkpoints, oldest first. */
  async list(): Promise<CheckpointRecord[]> {
    const registry = await readRegistry(this.root);
    return (registry.entries ?? []).map((e) => this.record(e));
  }

  /**
   * The newest checkpoint whose digests verify; older ones stand in for a damaged newest one (each skip is
   * logged with its reason). Null when there is none at all. Throws CheckpointError when checkpoints exist
   * but none verifies, and CheckpointConfigMismatchError when the newest valid one has another config.
   */
  async latestVerified(options: LatestOptions = {}): Promise<VerifiedCheckpoint | null> {
    const log = options.log ?? this.log;
    const candidates = await this.candidates(log);
    if (options.hint && !candidates.some((c) => path.resolve(c.path) === path.resolve(options.hint!.path))) {
      candidates.push({ step: options.hint.step, path: options.hint.path, digest: options.hint.digest });
    }
    candidates.sort((a, b) => b.step - a.step);
    const damaged: string[] = [];
    for (const candidate of candidates) {
      const result = await verifyCheckpoint(candidate.path, candidate.digest || undefined);
      if (!result.ok) {
        log(`checkpoint ${candidate.path} skipped: ${result.problem}`);
        if (!result.missing) damaged.push(`${path.basename(candidate.path)}: ${result.problem}`);
        continue;
      }
      if (result.manifest.step !== candidate.step) {
        log(`checkpoint ${candidate.path} skipped: its manifest says step ${result.manifest.step}`);
        damaged.push(`${path.basename(candidate.path)}: manifest says step ${result.manifest.step}`);
        continue;
      }
      if (options.config !== undefined) {
        const differences = configDifferences(result.manifest.config, options.config);
        if (differences.length > 0) throw new CheckpointConfigMismatchError(this.root, differences);
      }
      const record: CheckpointRecord = { step: candidate.step, path: candidate.path, digest: result.digest };
      return { record, manifest: result.manifest, files: result.files };
    }
    if (damaged.length === 0) return null;
    throw new CheckpointError(
      `all ${damaged.length} checkpoint(s) in ${this.root} are damaged: ${damaged.join('; ')}`,
      `delete ${this.root} to train this step from scratch`,
    );
  }

  private record(e: RegistryEntry): CheckpointRecord {
    return { step: e.step, path: path.join(this.root, e.dir), digest: e.digest };
  }

  /** The registry's entries; when it is missing or unreadable, the step-<N> directories found on disk. */
  private async candidates(log: (message: string) => void): Promise<CheckpointRecord[]> {
    const registry = await readRegistry(this.root);
    if (registry.entries) return registry.entries.map((e) => this.record(e));
    const found = await scanStepDirs(this.root);
    if (found.length > 0) log(`${this.root}: ${registry.problem}; checking the ${found.length} step directories instead`);
    return found.map((f) => ({ step: f.step, path: path.join(this.root, f.dir), digest: '' }));
  }

  /**
   * Adds the entry and keeps the newest `keep`. Entries at or after `step` are dropped first: a save at
   * step k means training resumed before them, so they were damaged or belong to an abandoned attempt.
   */
  private async register(entry: RegistryEntry): Promise<void> {
    const kept = (await this.registeredOrRebuilt()).filter((e) => e.step < entry.step);
    kept.push(entry);
    const pruned = kept.splice(0, Math.max(0, kept.length - this.keep));
    await writeRegistry(this.root, kept);
    const keptDirs = new Set(kept.map((e) => e.dir));
    for (const { dir } of await scanStepDirs(this.root)) {
      if (!keptDirs.has(dir)) await fs.rm(path.join(this.root, dir), { recursive: true, force: true });
    }
    if (pruned.length > 0) this.log(`pruned checkpoints ${pruned.map((e) => e.dir).join(', ')} (keeping ${this.keep})`);
  }

  /** The registry's entries or, when it is unreadable, the step directories that still verify. */
  private async registeredOrRebuilt(): Promise<RegistryEntry[]> {
    const registry = await readRegistry(this.root);
    if (registry.entries) return registry.entries;
    const rebuilt: RegistryEntry[] = [];
    for (const { step, dir } of await scanStepDirs(this.root)) {
      const result = await verifyCheckpoint(path.join(this.root, dir));
      if (result.ok && result.manifest.step === step) rebuilt.push({ step, dir, digest: result.digest });
    }
    return rebuilt;
  }

  /** Temp directories of saves that crashed before their rename. */
  private async removeTempDirs(): Promise<void> {
    for (const name of await fs.readdir(this.root)) {
      if (TEMP_DIR.test(name)) await fs.rm(path.join(this.root, name), { recursive: true, force: true });
    }
  }
}
