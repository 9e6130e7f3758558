// Random access to a pretraining-data directory: batches of instances by index, read straight from the shards.
// Instances are stored in generation order; a training loop visits them in epochPermutation(instances, seed, epoch)
// order, which stands in for google's global shuffle without holding every instance in memory.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

import type { PretrainingBatch } from '../bert/batch';
import { emptyBatch } from '../bert/empty-batch';
import { CounterRng } from '../bert/rng';
import { PretrainingDataError, REBUILD_HINT } from './errors';
import { HEADER_BYTES, checkHeader, recordLayout, type RecordLayout } from './format';
import { readManifest, SPLITS, type PretrainingManifest, type SplitName } from './manifest';
import { shuffleInPlace } from './random';

export type { PretrainingManifest } from './manifest';

export interface PretrainingDataset {
  manifest: PretrainingManifest;
  split(name: 'train' | 'validation'): PretrainingSplit;
  close(): Promise<void>;
}

export interface PretrainingSplit {
  instances: number;
  seqLength: number;
  maxPredictions: number;
  /** The instances at `indices` (0 ≤ index < instances), in that order; padding slots are 0. */
  readBatch(indices: readonly number[]): Promise<PretrainingBatch>;
}

interface OpenShard {
  file: string;
  handle: fs.FileHandle;
}

/**
 * Opens a directory written by buildPretrainingData. Every shard's size and header are checked against the manifest;
 * `verify: true` also checks every shard's sha256 (reads all the data).
 */
export async function openPretrainingData(dir: string, options: { verify?: boolean } = {}): Promise<PretrainingDataset> {
  const manifest = await readManifest(dir);
  const layout = recordLayout(manifest.max_seq_length, manifest.max_predictions_per_seq, manifest.id_bytes);
  if (layout.recordBytes !== manifest.record_bytes) {
    throw new PretrainingDataError(`record_bytes ${manifest.record_bytes} does not match the layout (${layout.recordBytes})`, path.join(dir, 'manifest.json'), REBUILD_HINT);
  }
  const handles: fs.FileHandle[] = [];
  try {
    const splits = new Map<SplitName, PretrainingSplit>();
    for (const name of SPLITS) {
      const shards: OpenShard[] = [];
      for (const shard of manifest.splits[name].shards) {
        const file = path.join(dir, shard.file);
        await checkShardFile(file, HEADER_BYTES + shard.instances * layout.recordBytes, options.verify ? shard.sha256 : undefined);
        const handle = await fs.open(file, 'r');
        handles.push(handle);
        const header = Buffer.alloc(HEADER_BYTES);
        await handle.read(header, 0, HEADER_BYTES, 0);
        checkHeader(header, layout, file);
        shards.push({ file, handle });
      }
      const counts = manifest.splits[name].shards.map((s) => s.instances);
      splits.set(name, openSplit(name, shards, counts, layout));
    }
    return {
      manifest,
      split: (name) => {
        const split = splits.get(name);
        if (!split) throw new RangeError(`no split ${JSON.stringify(name)}; the splits are ${SPLITS.join(', ')}`);
        return split;
      },
      close: async () => {
        await Promise.all(handles.splice(0).map((h) => h.close()));
      },
    };
  } catch (error) {
    await Promise.all(handles.map((h) => h.close().catch(() => undefined)));
    throw error;
  }
}

async function checkShardFile(file: string, expectedBytes: number, sha256: string | undefined): Promise<void> {
  const stat = await fs.stat(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new PretrainingDataError('shard file is missing', file, REBUILD_HINT);
    throw error;
  });
  if (stat.size !== expectedBytes) {
    const how = stat.size < expectedBytes ? 'truncated' : 'longer than expected';
    throw new PretrainingDataError(`shard is ${how}: ${stat.size} bytes, manifest.json implies ${expectedBytes}`, file, REBUILD_HINT);
  }
  if (sha256 === undefined) return;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  const actual = hash.digest('hex');
  if (actual !== sha256) throw new PretrainingDataError(`shard sha256 is ${actual}, manifest.json says ${sha256}`, file, REBUILD_HINT);
}

function openSplit(name: SplitName, shards: OpenShard[], counts: number[], layout: RecordLayout): PretrainingSplit {
  const starts = [0]; // starts[k]: index of shard k's first instance
  for (const n of counts) starts.push(starts[starts.length - 1]! + n);
  const instances = starts[starts.length - 1]!;
  const locate = (index: number): [number, number] => {
    let lo = 0;
    let hi = shards.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return [lo, index - starts[lo]!];
  };
  const size = layout.recordBytes;
  return {
    instances,
    seqLength: layout.maxSeqLength,
    maxPredictions: layout.maxPredictions,
    async readBatch(indices) {
      if (indices.length === 0) throw new RangeError(`${name}.readBatch: needs at least one index`);
      const buffer = Buffer.alloc(indices.length * size);
      const where = indices.map((index) => {
        if (!Number.isInteger(index) || index < 0 || index >= instances) {
          throw new RangeError(`${name}.readBatch: index ${index} is outside [0, ${instances})`);
        }
        return locate(index);
      });
      await Promise.all(
        where.map(async ([k, local], i) => {
          const shard = shards[k]!;
          const { bytesRead } = await shard.handle.read(buffer, i * size, size, HEADER_BYTES + local * size);
          if (bytesRead !== size) throw new PretrainingDataError(`instance ${local} is cut short (the file shrank)`, shard.file, REBUILD_HINT);
        }),
      );
      return decodeBatch(buffer, indices.length, layout, (i) => shards[where[i]![0]]!.file);
    },
  };
}

/** Records → a batch; `fileOf(i)` names record i's shard in errors. */
function decodeBatch(buffer: Buffer, batchSize: number, layout: RecordLayout, fileOf: (i: number) => string): PretrainingBatch {
  const { maxSeqLength: s, maxPredictions: p, idBytes, recordBytes } = layout;
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const batch = emptyBatch(batchSize, s, p);
  const id = idBytes === 4 ? (o: number) => view.getInt32(o, true) : (o: number) => view.getUint16(o, true);
  for (let i = 0; i < batchSize; i++) {
    const at = i * recordBytes;
    const length = view.getUint16(at, true);
    const predictions = view.getUint16(at + 2, true);
    const label = view.getUint8(at + 4);
    if (length > s || predictions > p || label > 1) {
      throw new PretrainingDataError(`corrupt record (length ${length}, predictions ${predictions}, label ${label})`, fileOf(i), REBUILD_HINT);
    }
    batch.nspLabels[i] = label;
    for (let t = 0; t < s; t++) {
      batch.inputIds[i * s + t] = id(at + layout.inputIds + t * idBytes);
      batch.segmentIds[i * s + t] = view.getUint8(at + layout.segmentIds + t);
      batch.inputMask[i * s + t] = t < length ? 1 : 0;
    }
    for (let m = 0; m < p; m++) {
      batch.maskedPositions[i * p + m] = view.getUint16(at + layout.maskedPositions + m * 2, true);
      batch.maskedIds[i * p + m] = id(at + layout.maskedIds + m * idBytes);
      batch.maskedWeights[i * p + m] = m < predictions ? 1 : 0;
    }
  }
  return batch;
}

/** A seeded Fisher–Yates permutation of 0..instances-1: the visiting order of epoch `epoch`. */
export function epochPermutation(instances: number, seed: number, epoch: number): Uint32Array {
  if (!Number.isInteger(instances) || instances < 0 || instances > 0xffffffff) {
    throw new RangeError(`instances must be an integer in [0, 2^32) (got ${instances})`);
  }
  if (!Number.isSafeInteger(epoch) || epoch < 0) throw new RangeError(`epoch must be an integer >= 0 (got ${epoch})`);
  const order = new Uint32Array(instances);
  for (let i = 0; i < instances; i++) order[i] = i;
  shuffleInPlace(order, instances, CounterRng.fromSeed(seed, `pretraining-data/epoch/${epoch}`));
  return order;
}
