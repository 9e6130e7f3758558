// The model registry's records in the shared store, so that a model deployed from one machine is served from
// another and an alias moved anywhere is seen everywhere:
//   models/NAME/versions/V.json   a version's record, created once (If-None-Match: *): two deploys racing for the
//                                 same number get distinct versions, the loser taking the next (or, deploying
//                                 the same artifact, the winner's)
//   models/NAME/aliases.json      alias → version, replaced by compare-and-swap on its etag: concurrent moves
//                                 of two aliases both land, and neither is lost
// The model files themselves are the artifact the record names (its digest); each machine keeps its copy under
// $KILN_HOME/models as the local registry does.
import type { ModelRef, VersionRecord } from '../registry-types';
import { ObjectConflictError, type ObjectStore } from './object-store';

const VERSION_KEY = /^models\/([^/]+)\/versions\/([1-9][0-9]*)\.json$/u;
/** Compare-and-swap attempts before giving up: each lost race means another writer made progress. */
const CAS_ATTEMPTS = 20;

export class RemoteRegistry {
  constructor(readonly objects: ObjectStore) {}

  private versionKey(name: string, version: number): string {
    return `models/${name}/versions/${version}.json`;
  }

  private aliasesKey(name: string): string {
    return `models/${name}/aliases.json`;
  }

  /** Model names with at least one version, sorted. */
  async names(): Promise<string[]> {
    const names = new Set<string>();
    for await (const object of this.objects.list('models/')) {
      const match = VERSION_KEY.exec(object.key);
      if (match) names.add(match[1]!);
    }
    return [...names].sort();
  }

  async versionNumbers(name: string): Promise<number[]> {
    const numbers: number[] = [];
    for await (const object of this.objects.list(`models/${name}/versions/`)) {
      const match = VERSION_KEY.exec(object.key);
      if (match?.[1] === name) numbers.push(Number(match[2]));
    }
    return numbers.sort((a, b) => a - b);
  }

  async record(name: string, version: number): Promise<VersionRecord | undefined> {
    const found = await this.objects.getBytes(this.versionKey(name, version));
    return found && (JSON.parse(found.bytes.toString('utf8')) as VersionRecord);
  }

  async aliases(name: string): Promise<{ aliases: Record<string, number>; etag: string | null }> {
    const found = await this.objects.getBytes(this.aliasesKey(name));
    const aliases = Object.create(null) as Record<string, number>;
    if (!found) return { aliases, etag: null };
    return { aliases: Object.assign(aliases, JSON.parse(found.bytes.toString('utf8')) as Record<string, number>), etag: found.etag };
  }

  /**
   * The version that holds `record.digest`, else a new one with the next free number (`record.version` is set).
   * A deploy reads every version from its listing up to the one it creates (a racer's create is the conflict it
   * then reads), so deploys of one artifact racing from several machines share one version, and of two, get two.
   */
  async versionFor(record: Omit<VersionRecord, 'version'>): Promise<{ record: VersionRecord; reused: boolean }> {
    const numbers = await this.versionNumbers(record.name);
    const listed = await Promise.all(numbers.map((v) => this.record(record.name, v)));
    const existing = listed.find((r) => r?.digest === record.digest);
    if (existing) return { record: existing, reused: true };
    let version = (numbers[numbers.length - 1] ?? 0) + 1;
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++, version++) {
      const full = { ...record, version } as VersionRecord;
      try {
        await this.objects.putBytes(this.versionKey(record.name, version), Buffer.from(JSON.stringify(full, null, 2) + '\n'), { ifMatch: null });
        return { record: full, reused: false };
      } catch (error) {
        if (!(error instanceof ObjectConflictError)) throw error;
      }
      const taken = await this.record(record.name, version);
      if (taken?.digest === record.digest) return { record: taken, reused: true };
    }
    throw new Error(`could not record a new version of '${record.name}' after ${CAS_ATTEMPTS} attempts: too many deploys at once`);
  }

  /** Applies `change` to the aliases by compare-and-swap, retrying when another machine moved one meanwhile. */
  async updateAliases(name: string, change: (aliases: Record<string, number>) => Record<string, number>): Promise<Record<string, number>> {
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const { aliases, etag } = await this.aliases(name);
      const next = change({ ...aliases });
      try {
        await this.objects.putBytes(this.aliasesKey(name), Buffer.from(JSON.stringify(next, null, 2) + '\n'), { ifMatch: etag });
        return aliases;
      } catch (error) {
        if (!(error instanceof ObjectConflictError)) throw error;
      }
    }
    throw new Error(`could not move an alias of '${name}' after ${CAS_ATTEMPTS} attempts: it keeps changing`);
  }

  /** For messages: where the registry lives. */
  where(ref?: ModelRef): string {
    return `${this.objects.uri.replace(/\/+$/u, '')}/models${ref ? `/${ref.name}` : ''}`;
  }
}
