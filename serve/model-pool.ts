// Registered versions loaded on first use and kept (the least recently used are dropped past `maxLoaded`).
// References are resolved on every request, so an alias moved by a deploy takes effect at the next request;
// aliases.json is re-read only when its stat changes (it is replaced by rename, so the inode changes too).
import fs from 'node:fs/promises';

import type { ModelRegistry, Resolved } from '../store/registry';
import { DEFAULT_ALIAS } from '../store/registry-ref';
import { versionCopyProblem } from '../store/registry-verify';
import type { ModelRef, VersionRecord } from '../store/registry-types';
import { BatchedModel } from './batched-model';
import type { BatchOptions } from './limits';
import { ModelLoadError, type LoadModel, type ServedModel } from './types';

/** How long a shared registry's aliases are trusted before they are read again. */
const SHARED_ALIAS_TTL_MS = 1_000;

interface Loaded {
  model: Promise<BatchedModel>;
  lastUsed: number;
}

export class ModelPool {
  private readonly loaded = new Map<string, Loaded>();
  /** Version records never change once written. */
  private readonly records = new Map<string, VersionRecord>();
  private readonly aliasCache = new Map<string, { stamp: string; aliases: Record<string, number> }>();

  constructor(
    private readonly registry: ModelRegistry,
    private readonly loadModel: LoadModel,
    private readonly batch: BatchOptions,
    private readonly maxLoaded = 8,
    /** A model used this recently is never dropped: a request may hold it without having queued on it yet. */
    private readonly spareMs = 1_000,
  ) {}

  /** The version `ref` means now; errors are RegistryErrors (unknown model, version or alias). */
  async resolve(ref: ModelRef): Promise<Resolved> {
    let version = ref.version;
    const alias = version === undefined ? (ref.alias ?? DEFAULT_ALIAS) : undefined;
    if (alias !== undefined) {
      const aliases = await this.aliases(ref.name);
      // Own keys only: `constructor` is a well-formed alias name, and every plain object has one.
      version = Object.hasOwn(aliases, alias) ? aliases[alias] : undefined;
    }
    // Not cached or not there: the registry answers, with the right error when it does not exist.
    const cached = version === undefined ? undefined : this.records.get(`${ref.name}:${version}`);
    if (cached) return { record: cached, dir: this.registry.versionDir(ref.name, cached.version), ...(alias ? { alias } : {}) };
    const resolved = await this.registry.resolve(version === undefined ? ref : { name: ref.name, version });
    this.records.set(`${ref.name}:${resolved.record.version}`, resolved.record);
    return alias ? { ...resolved, alias } : resolved;
  }

  /** The loaded model of a resolved version; a failed load is not kept, so the next request tries again. */
  async model(resolved: Resolved): Promise<BatchedModel> {
    const key = `${resolved.record.name}:${resolved.record.version}`;
    let entry = this.loaded.get(key);
    if (!entry) {
      const model = this.verifiedLoad(resolved).then(
        (m) => new BatchedModel(m, this.batch),
        (error: unknown) => {
          const hint = (error as { hint?: unknown }).hint;
          throw new ModelLoadError(`cannot load ${key}: ${(error as Error).message ?? String(error)}`, typeof hint === 'string' ? hint : undefined);
        },
      );
      entry = { model, lastUsed: Date.now() };
      this.loaded.set(key, entry);
      model.then(
        () => this.evict(key),
        () => this.loaded.delete(key),
      );
    }
    entry.lastUsed = Date.now();
    return entry.model;
  }

  /** A copy edited after registration would answer under the registered digest: refuse to load it. */
  private async verifiedLoad(resolved: Resolved): Promise<ServedModel> {
    const problem = await versionCopyProblem(resolved.dir, resolved.record, { cached: true });
    if (problem) {
      const { name, version } = resolved.record;
      throw Object.assign(new Error(`the registered copy in ${resolved.dir} was changed after registration: ${problem}`), {
        hint: `\`kiln store verify --repair\` restores it from the store when the artifact is still there; else run the pipeline that deployed ${name}:${version} again: deploying the same artifact restores the copy`,
      });
    }
    return this.loadModel(resolved.dir, resolved.record.kind);
  }

  /** Loaded versions, for tests and /v1/models. */
  loadedKeys(): string[] {
    return [...this.loaded.keys()];
  }

  async dispose(): Promise<void> {
    const entries = [...this.loaded.values()];
    this.loaded.clear();
    for (const e of entries) (await e.model.catch(() => undefined))?.model.dispose();
  }

  private async aliases(name: string): Promise<Record<string, number>> {
    if (this.registry.remote) {
      // A shared registry: aliases another machine moves are read again at most a second later.
      const cached = this.aliasCache.get(name);
      const now = Date.now();
      if (cached && now - Number(cached.stamp) < SHARED_ALIAS_TTL_MS) return cached.aliases;
      const aliases = await this.registry.aliases(name);
      this.aliasCache.set(name, { stamp: String(now), aliases });
      return aliases;
    }
    const file = this.registry.aliasesPath(name);
    const stat = await fs.stat(file).catch(() => undefined);
    if (!stat) return {};
    const stamp = `${stat.ino}:${stat.mtimeMs}:${stat.size}`;
    const cached = this.aliasCache.get(name);
    if (cached?.stamp === stamp) return cached.aliases;
    const aliases = await this.registry.aliases(name);
    this.aliasCache.set(name, { stamp, aliases });
    return aliases;
  }

  /** Drops least recently used idle models beyond `maxLoaded`, never `keep`. */
  private async evict(keep: string): Promise<void> {
    if (this.loaded.size <= this.maxLoaded) return;
    const byAge = [...this.loaded.entries()].filter(([k]) => k !== keep).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [key, entry] of byAge) {
      if (this.loaded.size <= this.maxLoaded) return;
      const model = await entry.model.catch(() => undefined);
      const recent = Date.now() - entry.lastUsed < this.spareMs;
      if (!model || !model.idle || recent || this.loaded.get(key) !== entry) continue;
      this.loaded.delete(key);
      model.model.dispose();
    }
  }
}
