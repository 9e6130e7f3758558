// A simple binary file of named tensors (weights, optimizer moments).
//
// Layout, all integers little-endian:
//   bytes 0..7    magic "KILNTNS1"
//   bytes 8..11   uint32 H: length of the header in bytes
//   bytes 12..    header: UTF-8 JSON {"tensors":[{"name","dtype","shape","offset","bytes"}, ...]},
//                 then zero padding so the data section starts at a multiple of 8
//   data section  each tensor's raw values at data start + offset (offsets are multiples of 4, in header order)
// The file ends exactly where the last tensor does, so truncation is detected from the lengths alone.
import { endianness } from 'node:os';

import { CorruptCheckpointError } from '../training/checkpoint-error';

export interface TensorData {
  values: Float32Array | Int32Array;
  shape: number[];
}

interface HeaderEntry {
  name: string;
  dtype: 'float32' | 'int32';
  shape: number[];
  offset: number;
  bytes: number;
}

const MAGIC = Buffer.from('KILNTNS1', 'ascii');
const PREFIX = MAGIC.length + 4;

function assertLittleEndian(): void {
  if (endianness() !== 'LE') throw new Error('tensor files are little-endian; this machine is big-endian');
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

export function serializeTensors(tensors: ReadonlyMap<string, TensorData>): Buffer {
  assertLittleEndian();
  const entries: HeaderEntry[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.values.length) {
      throw new Error(`serializeTensors: '${name}' has ${t.values.length} values but shape [${t.shape}] needs ${size}`);
    }
    const dtype = t.values instanceof Float32Array ? 'float32' : 'int32';
    entries.push({ name, dtype, shape: [...t.shape], offset, bytes: t.values.byteLength });
    offset += t.values.byteLength;
  }
  const header = Buffer.from(JSON.stringify({ tensors: entries }), 'utf8');
  const dataStart = align8(PREFIX + header.length);
  const out = Buffer.alloc(dataStart + offset);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(header.length, MAGIC.length);
  header.copy(out, PREFIX);
  let i = 0;
  for (const t of tensors.values()) {
    const e = entries[i++]!;
    out.set(new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength), dataStart + e.offset);
  }
  return out;
}

function corrupt(message: string, tensor?: string): CorruptCheckpointError {
  return new CorruptCheckpointError(`tensor file: ${message}`, tensor);
}

function parseHeader(buf: Buffer): { entries: HeaderEntry[]; dataStart: number } {
  if (buf.length < PREFIX || !buf.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw corrupt(`not a kiln tensor file (expected magic "KILNTNS1", ${buf.length} bytes)`);
  }
  const headerLength = buf.readUInt32LE(MAGIC.length);
  const dataStart = align8(PREFIX + headerLength);
  if (dataStart > buf.length) throw corrupt(`truncated in the header: ${buf.length} bytes, header needs ${dataStart}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(buf.toString('utf8', PREFIX, PREFIX + headerLength));
  } catch (err) {
    throw corrupt(`header is not valid JSON (${(err as Error).message})`);
  }
  const entries = (parsed as { tensors?: unknown }).tensors;
  if (!Array.isArray(entries)) throw corrupt('header has no "tensors" list');
  return { entries: entries as HeaderEntry[], dataStart };
}

export function deserializeTensors(buf: Buffer): Map<string, TensorData> {
  assertLittleEndian();
  const { entries, dataStart } = parseHeader(buf);
  const out = new Map<string, TensorData>();
  let expectedEnd = dataStart;
  for (const e of entries) {
    const okShape = Array.isArray(e.shape) && e.shape.every((d) => Number.isSafeInteger(d) && d >= 0);
    if (typeof e.name !== 'string' || (e.dtype !== 'float32' && e.dtype !== 'int32') || !okShape) {
      throw corrupt(`malformed header entry ${JSON.stringify(e)}`, typeof e.name === 'string' ? e.name : undefined);
    }
    const size = e.shape.reduce((a, b) => a * b, 1);
    if (e.bytes !== size * 4 || !Number.isSafeInteger(e.offset) || e.offset % 4 !== 0 || e.offset < 0) {
      throw corrupt(`'${e.name}': ${e.bytes} bytes at offset ${e.offset} do not fit shape [${e.shape}]`, e.name);
    }
    const start = dataStart + e.offset;
    if (start + e.bytes > buf.length) {
      throw corrupt(`truncated: '${e.name}' needs bytes ${start}..${start + e.bytes}, the file has ${buf.length}`, e.name);
    }
    if (out.has(e.name)) throw corrupt(`'${e.name}' appears twice`, e.name);
    // Copied into a fresh, aligned buffer: the file buffer may sit at any byte offset.
    const bytes = new Uint8Array(e.bytes);
    bytes.set(buf.subarray(start, start + e.bytes));
    const values = e.dtype === 'float32' ? new Float32Array(bytes.buffer) : new Int32Array(bytes.buffer);
    out.set(e.name, { values, shape: e.shape });
    expectedEnd = Math.max(expectedEnd, start + e.bytes);
  }
  if (buf.length !== expectedEnd) {
    throw corrupt(`${buf.length} bytes, but the header accounts for ${expectedEnd} (trailing garbage)`);
  }
  return out;
}
