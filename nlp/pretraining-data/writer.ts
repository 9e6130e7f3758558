// Shard files of one split, written as instances are produced: memory holds one chunk of records, never the split.
//
// A shard file is `<split>-<NNNNN>.bin`: a 16-byte header, then fixed-size records, so instance k of a shard is at
// byte 16 + k × record_bytes and a reader can seek it directly. All integers are little-endian.
//
// Header (16 bytes):
//   0  4 bytes  magic "KPTD"
//   4  uint16   format version (1)
//   6  uint16   id_bytes: 2 (ids are uint16; vocab_size <= 65536) or 4 (int32)
//   8  uint16   max_seq_length S
//  10  uint16   max_predictions_per_seq P
//  12  uint32   record_bytes = 8 + S·id_bytes + S + 2·P + P·id_bytes
//
// Record (S = max_seq_length, P = max_predictions_per_seq):
//   0                   uint16         length: real tokens [CLS] A [SEP] B [SEP]; the input mask is 1 below it
//   2                   uint16         num_predictions: masked weights are 1 for the first ones, 0 after
//   4                   uint8          nsp label: 1 = B is a random document's sentences, 0 = B continues A
//   5                   3 bytes        zero
//   8                   S × id         input ids after masking, 0 ([PAD]'s usual id) past `length`
//   8 + S·id            S × uint8      segment ids, 0 past `length`
//   8 + S·id + S        P × uint16     masked positions, ascending, 0 past num_predictions
//   8 + S·id + S + 2P   P × id         original ids at those positions, 0 past num_predictions
//
// Instances are written in generation order (duplicate, then document, then position in the document); shuffling
// is the reader's job (epochPermutation), so writing needs no memory for a global shuffle.
import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

import { encodeHeader, type RecordLayout } from './format';
import type { Instance } from './instance';

export interface ShardInfo {
  /** File name relative to the data directory. */
  file: string;
  instances: number;
  /** sha256 hex of the whole file. */
  sha256: string;
}

/** Records buffered before a write. */
const CHUNK_RECORDS = 256;

export function shardFileName(split: string, index: number): string {
  return `${split}-${String(index).padStart(5, '0')}.bin`;
}

export function encodeRecord(view: DataView, at: number, instance: Instance, layout: RecordLayout): void {
  const { length, numPredictions, inputIds, segmentIds, maskedPositions, maskedIds } = instance;
  view.setUint16(at, length, true);
  view.setUint16(at + 2, numPredictions, true);
  view.setUint8(at + 4, instance.isRandomNext ? 1 : 0);
  const wide = layout.idBytes === 4;
  for (let p = 0; p < length; p++) {
    const o = at + layout.inputIds + p * layout.idBytes;
    if (wide) view.setInt32(o, inputIds[p]!, true);
    else view.setUint16(o, inputIds[p]!, true);
    view.setUint8(at + layout.segmentIds + p, segmentIds[p]!);
  }
  for (let m = 0; m < numPredictions; m++) {
    view.setUint16(at + layout.maskedPositions + m * 2, maskedPositions[m]!, true);
    const o = at + layout.maskedIds + m * layout.idBytes;
    if (wide) view.setInt32(o, maskedIds[m]!, true);
    else view.setUint16(o, maskedIds[m]!, true);
  }
}

interface OpenShard {
  handle: fs.FileHandle;
  hash: Hash;
  file: string;
  instances: number;
}

export class SplitWriter {
  private readonly shards: ShardInfo[] = [];
  private current: OpenShard | undefined;
  private chunk: Buffer;
  private view: DataView;
  private inChunk = 0;
  private full: Array<{ buffer: Buffer; records: number }> = [];
  private total = 0;

  constructor(
    private readonly dir: string,
    private readonly split: string,
    private readonly layout: RecordLayout,
    private readonly shardSize: number,
  ) {
    this.chunk = Buffer.alloc(0);
    this.view = new DataView(this.chunk.buffer);
    this.newChunk();
  }

  get instances(): number {
    return this.total;
  }

  /** Encodes an instance into memory; `drain` writes it out. */
  add(instance: Instance): void {
    if (this.inChunk === CHUNK_RECORDS) {
      this.full.push({ buffer: this.chunk, records: this.inChunk });
      this.newChunk();
    }
    encodeRecord(this.view, this.inChunk * this.layout.recordBytes, instance, this.layout);
    this.inChunk++;
    this.total++;
  }

  /** Writes every full chunk. */
  async drain(): Promise<void> {
    const full = this.full;
    this.full = [];
    for (const { buffer, records } of full) await this.writeRecords(buffer, records);
  }

  /** Writes the rest and closes the last shard. */
  async close(): Promise<ShardInfo[]> {
    await this.drain();
    await this.writeRecords(this.chunk, this.inChunk);
    this.inChunk = 0;
    await this.closeShard();
    return this.shards;
  }

  /** Closes an open shard after a failure; the caller removes the directory. */
  async abort(): Promise<void> {
    const shard = this.current;
    this.current = undefined;
    await shard?.handle.close().catch(() => undefined);
  }

  private newChunk(): void {
    this.chunk = Buffer.alloc(CHUNK_RECORDS * this.layout.recordBytes); // zeroed: padding stays 0
    this.view = new DataView(this.chunk.buffer, this.chunk.byteOffset, this.chunk.byteLength);
    this.inChunk = 0;
  }

  /** Spreads records over shards of `shardSize` instances. */
  private async writeRecords(buffer: Buffer, records: number): Promise<void> {
    const size = this.layout.recordBytes;
    let done = 0;
    while (done < records) {
      const shard = this.current ?? (await this.openShard());
      const n = Math.min(records - done, this.shardSize - shard.instances);
      const bytes = buffer.subarray(done * size, (done + n) * size);
      await shard.handle.write(bytes);
      shard.hash.update(bytes);
      shard.instances += n;
      done += n;
      if (shard.instances === this.shardSize) await this.closeShard();
    }
  }

  private async openShard(): Promise<OpenShard> {
    const file = shardFileName(this.split, this.shards.length);
    const handle = await fs.open(path.join(this.dir, file), 'w');
    const header = encodeHeader(this.layout);
    await handle.write(header);
    this.current = { handle, hash: createHash('sha256').update(header), file, instances: 0 };
    return this.current;
  }

  private async closeShard(): Promise<void> {
    const shard = this.current;
    if (!shard) return;
    this.current = undefined;
    await shard.handle.close();
    this.shards.push({ file: shard.file, instances: shard.instances, sha256: shard.hash.digest('hex') });
  }
}
