// manifest.json of a pretraining-data directory: the settings the data was made with and its shards.
import fs from 'node:fs/promises';
import path from 'node:path';

import { PretrainingDataError, REBUILD_HINT } from './errors';
import { FORMAT_VERSION } from './format';
import type { ShardInfo } from './writer';

export const MANIFEST_FILE = 'manifest.json';
export const SPLITS = ['train', 'validation'] as const;
export type SplitName = (typeof SPLITS)[number];

export interface SplitManifest {
  instances: number;
  /** Source documents in this split; no document is in both. */
  documents: number;
  shards: ShardInfo[];
}

export interface PretrainingManifest {
  format_version: number;
  max_seq_length: number;
  max_predictions_per_seq: number;
  vocab_size: number;
  /** Of the tokenizer the ids belong to (its artifact digest, or sha256 of its vocab). */
  tokenizer_digest: string;
  seed: number;
  dupe_factor: number;
  short_seq_prob: number;
  masked_lm_prob: number;
  whole_word_mask: boolean;
  validation_fraction: number;
  shard_size: number;
  /** 2 or 4: see writer.ts for the byte layout. */
  id_bytes: 2 | 4;
  record_bytes: number;
  splits: { [S in SplitName]: SplitManifest };
}

export async function writeManifest(dir: string, manifest: PretrainingManifest): Promise<void> {
  await fs.writeFile(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
}

export async function readManifest(dir: string): Promise<PretrainingManifest> {
  const file = path.join(dir, MANIFEST_FILE);
  let json: unknown;
  try {
    json = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (error) {
    throw new PretrainingDataError(`cannot read the manifest: ${(error as Error).message}`, file, REBUILD_HINT);
  }
  return checkManifest(json, file);
}

const NUMBER_FIELDS = [
  'format_version', 'max_seq_length', 'max_predictions_per_seq', 'vocab_size', 'seed', 'dupe_factor', 'short_seq_prob',
  'masked_lm_prob', 'validation_fraction', 'shard_size', 'id_bytes', 'record_bytes',
] as const;

/** Checks what the reader relies on; anything else off means the directory was not written by this version. */
function checkManifest(json: unknown, file: string): PretrainingManifest {
  const fail = (what: string): never => {
    throw new PretrainingDataError(what, file, REBUILD_HINT);
  };
  if (typeof json !== 'object' || json === null) return fail('manifest is not a JSON object');
  const m = json as Record<string, unknown>;
  if (m.format_version !== FORMAT_VERSION) {
    fail(`format_version ${JSON.stringify(m.format_version)} is not supported (this kiln reads version ${FORMAT_VERSION})`);
  }
  for (const key of NUMBER_FIELDS) if (typeof m[key] !== 'number') fail(`${key} must be a number`);
  if (m.id_bytes !== 2 && m.id_bytes !== 4) fail(`id_bytes must be 2 or 4 (got ${JSON.stringify(m.id_bytes)})`);
  const splits = m.splits as Record<string, unknown> | undefined;
  for (const name of SPLITS) {
    const split = splits?.[name] as Partial<SplitManifest> | undefined;
    if (typeof split?.instances !== 'number' || !Array.isArray(split.shards)) fail(`splits.${name} must have instances and shards`);
    let sum = 0;
    for (const [k, shard] of split!.shards!.entries()) {
      const ok = typeof shard?.file === 'string' && typeof shard.instances === 'number' && typeof shard.sha256 === 'string';
      if (!ok || shard.file.includes('/') || shard.file.includes('\\')) fail(`splits.${name}.shards[${k}] must be { file, instances, sha256 }`);
      sum += shard.instances;
    }
    if (sum !== split!.instances) fail(`splits.${name}: shards hold ${sum} instances but instances is ${split!.instances}`);
  }
  return json as PretrainingManifest;
}
