// The local model registry: `$KILN_HOME/models/NAME/VERSION/` holds a copy of a model artifact plus
// registry.json; `$KILN_HOME/models/NAME/aliases.json` maps aliases (production, staging...) to versions.
// Versions appear by rename and aliases.json is replaced atomically, so a reader (the server) never sees
// half of either; a per-name lock gives concurrent deploys distinct versions.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

import { withFileLock } from '../system/file-lock';
import { fsyncPath, writeFileAtomic } from './atomic';
import type { ArtifactStore } from './artifacts';
import { kilnHome } from './paths';
import type { RemoteRegistry } from './remote/remote-registry';
import { restoreVersionCopy, versionCopyProblem } from './registry-verify';
import { DEFAULT_ALIAS, checkAlias, checkName, formatModelRef, NAME_PATTERN } from './registry-ref';
import { RegistryError, type Lineage, type ModelKind, type ModelRef, type VersionRecord } from './registry-types';
import type { Json } from '../contract/json';

export const RECORD_FILE = 'registry.json';
export const ALIASES_FILE = 'aliases.json';
const VERSION_DIR = /^[1-9][0-9]*$/;

export interface RegisterOptions {
  kind: ModelKind;
  digest: string;
  source: { uri: string; meta: { [key: string]: Json } };
  lineage: Lineage;
  metrics: Json;
}

export interface Registered {
  record: VersionRecord;
  dir: string;
  /** True when this digest was registered before and its version is reused. */
  reused: boolean;
}

export interface Resolved {
  record: VersionRecord;
  dir: string;
  /** The alias the reference went through, if any. */
  alias?: string;
}

/**
 * With a shared store (`remote`), the records and aliases live there and `root` keeps this machine's copies of
 * the versions it serves, made from the store's artifact on first use.
 */
export class ModelRegistry {
  constructor(
    readonly root: string = path.join(kilnHome(), 'models'),
    readonly remote?: { records: RemoteRegistry; artifacts: ArtifactStore },
  ) {}

  /** Shared versions being copied to this machine now, by `NAME:VERSION`. */
  private readonly copying = new Map<string, Promise<string>>();

  modelDir(name: string): string {
    checkName(name);
    return path.join(this.root, name);
  }

  versionDir(name: string, version: number): string {
    return path.join(this.modelDir(name), String(version));
  }

  aliasesPath(name: string): string {
    return path.join(this.modelDir(name), ALIASES_FILE);
  }

  /** Registered model names, sorted; a name counts once it has a version. */
  async names(): Promise<string[]> {
    if (this.remote) return this.remote.records.names();
    const entries = await fs.readdir(this.root, { withFileTypes: true }).catch(ignoreMissing);
    const names = (entries ?? []).filter((e) => e.isDirectory() && NAME_PATTERN.test(e.name)).map((e) => e.name);
    const withVersions = await Promise.all(names.map(async (n) => ((await this.versionNumbers(n)).length > 0 ? n : undefined)));
    return withVersions.filter((n): n is string => n !== undefined).sort();
  }

  async versionNumbers(name: string): Promise<number[]> {
    if (this.remote) {
      checkName(name);
      return this.remote.records.versionNumbers(name);
    }
    const entries = await fs.readdir(this.modelDir(name), { withFileTypes: true }).catch(ignoreMissing);
    return (entries ?? [])
      .filter((e) => e.isDirectory() && VERSION_DIR.test(e.name))
      .map((e) => Number(e.name))
      .sort((a, b) => a - b);
  }

  async record(name: string, version: number): Promise<VersionRecord | undefined> {
    if (this.remote) {
      checkName(name);
      return this.remote.records.record(name, version);
    }
    const file = path.join(this.versionDir(name, version), RECORD_FILE);
    const text = await fs.readFile(file, 'utf8').catch(ignoreMissing);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as VersionRecord;
    } catch (error) {
      throw new RegistryError('invalid-model', `${file}: ${(error as Error).message}`, 'the registry was edited by hand; restore the file or delete the version directory');
    }
  }

  /** Every version of `name`, oldest first. */
  async versions(name: string): Promise<VersionRecord[]> {
    const records = await Promise.all((await this.versionNumbers(name)).map((v) => this.record(name, v)));
    return records.filter((r): r is VersionRecord => r !== undefined);
  }

  /**
   * alias → version; empty when the model has no aliases (or does not exist). Null-prototype, so looking up
   * an alias such as `constructor` finds only what aliases.json holds, never Object.prototype's members.
   */
  async aliases(name: string): Promise<Record<string, number>> {
    if (this.remote) {
      checkName(name);
      return (await this.remote.records.aliases(name)).aliases;
    }
    const file = this.aliasesPath(name);
    const text = await fs.readFile(file, 'utf8').catch(ignoreMissing);
    const aliases = Object.create(null) as Record<string, number>;
    if (text === undefined) return aliases;
    try {
      return Object.assign(aliases, JSON.parse(text) as Record<string, number>);
    } catch (error) {
      throw new RegistryError('invalid-model', `${file}: ${(error as Error).message}`, `rewrite it with \`kiln models promote ${name} VERSION\``);
    }
  }

  /**
   * Copies `sourceDir` in as the next version of `name`, or returns the version that already holds `digest`
   * (activity retries and re-runs deploy the same artifact once). A reused copy that no longer verifies is
   * restored from `sourceDir` first, so deploying again repairs it.
   */
  async register(name: string, sourceDir: string, options: RegisterOptions): Promise<Registered> {
    const modelDir = this.modelDir(name);
    await fs.mkdir(modelDir, { recursive: true });
    if (this.remote) return this.registerShared(name, sourceDir, options);
    return this.locked(name, async () => {
      const existing = (await this.versions(name)).find((r) => r.digest === options.digest);
      if (existing) {
        const dir = this.versionDir(name, existing.version);
        if (await versionCopyProblem(dir, existing)) await restoreVersionCopy(dir, sourceDir);
        return { record: existing, dir, reused: true };
      }
      const numbers = await this.versionNumbers(name);
      const version = (numbers[numbers.length - 1] ?? 0) + 1;
      const record: VersionRecord = { name, version, kind: options.kind, created: new Date().toISOString(), ...pick(options) };
      const staging = path.join(modelDir, `.tmp-${version}-${process.pid}-${randomBytes(4).toString('hex')}`);
      try {
        await fs.cp(sourceDir, staging, { recursive: true });
        await fs.writeFile(path.join(staging, RECORD_FILE), JSON.stringify(record, null, 2) + '\n');
        await fsyncTree(staging);
        const dir = this.versionDir(name, version);
        await fs.rename(staging, dir);
        await fsyncPath(modelDir);
        return { record, dir, reused: false };
      } finally {
        await fs.rm(staging, { recursive: true, force: true });
      }
    });
  }

  /** Points `alias` at `version` (which must exist); returns the version it pointed to before. */
  async setAlias(name: string, alias: string, version: number): Promise<{ previous?: number }> {
    checkAlias(alias);
    if (this.remote) {
      if (!(await this.record(name, version))) await this.throwUnknownVersion(name, version);
      const before = await this.remote.records.updateAliases(name, (aliases) => ({ ...aliases, [alias]: version }));
      const previous = before[alias];
      return previous === undefined ? {} : { previous };
    }
    return this.locked(name, async () => {
      if (!(await this.record(name, version))) await this.throwUnknownVersion(name, version);
      const aliases = await this.aliases(name);
      const previous = aliases[alias];
      await writeFileAtomic(this.aliasesPath(name), JSON.stringify({ ...aliases, [alias]: version }, null, 2) + '\n');
      return previous === undefined ? {} : { previous };
    });
  }

  /** The version a reference means now: `NAME` goes through the production alias. */
  async resolve(ref: ModelRef): Promise<Resolved> {
    const { name } = ref;
    if ((await this.versionNumbers(name)).length === 0) await this.throwUnknownModel(name);
    let version = ref.version;
    let alias: string | undefined;
    if (version === undefined) {
      alias = ref.alias ?? DEFAULT_ALIAS;
      const aliases = await this.aliases(name);
      version = aliases[alias];
      if (version === undefined) {
        const known = Object.entries(aliases).map(([a, v]) => `${a} → ${v}`);
        const versions = await this.versionNumbers(name);
        throw new RegistryError(
          'unknown-alias',
          `model '${name}' has no alias '${alias}'`,
          `${known.length > 0 ? `its aliases: ${known.join(', ')}; ` : ''}ask for a version instead (${formatModelRef({ name, version: versions[versions.length - 1]! })}) or move the alias with \`kiln models promote\``,
        );
      }
    }
    const record = await this.record(name, version);
    if (!record) await this.throwUnknownVersion(name, version);
    if (this.remote) await this.localCopy(record!);
    return { record: record!, dir: this.versionDir(name, version), ...(alias === undefined ? {} : { alias }) };
  }

  /** A shared registry's deploy: the record goes to the shared store (a new number, or the one with this digest). */
  private async registerShared(name: string, sourceDir: string, options: RegisterOptions): Promise<Registered> {
    const { record, reused } = await this.remote!.records.versionFor({ name, kind: options.kind, created: new Date().toISOString(), ...pick(options) });
    return { record, dir: await this.localCopy(record, sourceDir), reused };
  }

  /**
   * This machine's copy of a shared version (`root/NAME/VERSION`, as the local registry lays it out), made from
   * `sourceDir` or else from the artifact the record names, fetched from the shared store and verified. The first
   * requests for a version `kiln serve` has not seen arrive together: they share one copy.
   */
  private localCopy(record: VersionRecord, sourceDir?: string): Promise<string> {
    const key = `${record.name}:${record.version}`;
    let copy = this.copying.get(key);
    if (!copy) {
      copy = this.makeLocalCopy(record, sourceDir).finally(() => this.copying.delete(key));
      this.copying.set(key, copy);
    }
    return copy;
  }

  private async makeLocalCopy(record: VersionRecord, sourceDir?: string): Promise<string> {
    const dir = this.versionDir(record.name, record.version);
    if (!(await versionCopyProblem(dir, record, { cached: true }))) return dir;
    let from = sourceDir;
    if (!from) {
      const ref = { uri: record.source.uri };
      await this.remote!.artifacts.assertIntact(ref);
      from = this.remote!.artifacts.pathOf(ref);
    }
    const modelDir = this.modelDir(record.name);
    await fs.mkdir(modelDir, { recursive: true });
    const staging = path.join(modelDir, `.tmp-${record.version}-${process.pid}-${randomBytes(4).toString('hex')}`);
    try {
      await fs.cp(from, staging, { recursive: true });
      await fs.writeFile(path.join(staging, RECORD_FILE), JSON.stringify(record, null, 2) + '\n');
      // A copy is only ever swapped in whole: another process (a deploy beside `kiln serve`) may be making the same
      // one, and a server may be loading from it. A good copy found in place is kept; a damaged one is set aside.
      for (let attempt = 0; ; attempt++) {
        const moved = await fs.rename(staging, dir).then(
          () => true,
          (error: NodeJS.ErrnoException) => {
            if ((error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') || attempt >= 2) throw error;
            return false;
          },
        );
        if (moved) break;
        if (!(await versionCopyProblem(dir, record, { cached: true }))) return dir;
        const aside = path.join(modelDir, `.corrupt-${record.version}-${process.pid}-${randomBytes(4).toString('hex')}`);
        await fs.rename(dir, aside).catch(ignoreMissing);
        await fs.rm(aside, { recursive: true, force: true });
      }
      return dir;
    } finally {
      await fs.rm(staging, { recursive: true, force: true });
    }
  }

  private async throwUnknownModel(name: string): Promise<never> {
    const known = await this.names();
    throw new RegistryError(
      'unknown-model',
      `no model named '${name}' is registered`,
      known.length > 0 ? `registered models: ${known.join(', ')}` : 'no model is registered yet; deploy one with a model/deploy@v1 step',
    );
  }

  private async throwUnknownVersion(name: string, version: number): Promise<never> {
    const versions = await this.versionNumbers(name);
    if (versions.length === 0) await this.throwUnknownModel(name);
    throw new RegistryError('unknown-version', `model '${name}' has no version ${version}`, `its versions: ${versions.join(', ') || 'none'}`);
  }

  private locked<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const lockPath = path.join(this.modelDir(name), '.lock');
    return withFileLock(lockPath, { waitMs: 120_000, staleMs: 600_000, what: `to finish changing model '${name}'` }, fn);
  }
}

function pick(options: RegisterOptions): Pick<VersionRecord, 'digest' | 'source' | 'lineage' | 'metrics'> {
  return { digest: options.digest, source: options.source, lineage: options.lineage, metrics: options.metrics };
}

function ignoreMissing(error: unknown): undefined {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
  throw error;
}

async function fsyncTree(dir: string): Promise<void> {
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) await fsyncTree(p);
    else await fsyncPath(p);
  }
  await fsyncPath(dir);
}
