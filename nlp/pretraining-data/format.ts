// Byte layout of shard files (documented in writer.ts) shared by the writer and the reader.
import { PretrainingDataError, REBUILD_HINT } from './errors';

export const FORMAT_VERSION = 1;
export const MAGIC = 'KPTD';
export const HEADER_BYTES = 16;

export interface RecordLayout {
  maxSeqLength: number;
  maxPredictions: number;
  /** 2 (uint16) when every id fits, else 4 (int32). */
  idBytes: 2 | 4;
  // Byte offsets within a record:
  inputIds: number;
  segmentIds: number;
  maskedPositions: number;
  maskedIds: number;
  recordBytes: number;
}

export function idBytesFor(vocabSize: number): 2 | 4 {
  return vocabSize <= 0x10000 ? 2 : 4;
}

export function recordLayout(maxSeqLength: number, maxPredictions: number, idBytes: 2 | 4): RecordLayout {
  const inputIds = 8;
  const segmentIds = inputIds + maxSeqLength * idBytes;
  const maskedPositions = segmentIds + maxSeqLength;
  const maskedIds = maskedPositions + maxPredictions * 2;
  const recordBytes = maskedIds + maxPredictions * idBytes;
  return { maxSeqLength, maxPredictions, idBytes, inputIds, segmentIds, maskedPositions, maskedIds, recordBytes };
}

export function encodeHeader(layout: RecordLayout): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.write(MAGIC, 0, 'latin1');
  header.writeUInt16LE(FORMAT_VERSION, 4);
  header.writeUInt16LE(layout.idBytes, 6);
  header.writeUInt16LE(layout.maxSeqLength, 8);
  header.writeUInt16LE(layout.maxPredictions, 10);
  header.writeUInt32LE(layout.recordBytes, 12);
  return header;
}

/** Throws naming `file` unless `header` is what the manifest's layout would write. */
export function checkHeader(header: Buffer, layout: RecordLayout, file: string): void {
  const expected = encodeHeader(layout);
  if (header.length >= HEADER_BYTES && header.subarray(0, HEADER_BYTES).equals(expected)) return;
  const what = header.subarray(0, 4).toString('latin1') === MAGIC ? 'its header disagrees with manifest.json' : 'not a kiln pretraining shard';
  throw new PretrainingDataError(what, file, REBUILD_HINT);
}
