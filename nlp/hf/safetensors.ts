// The safetensors format (huggingface/safetensors), read and written by kiln itself.
//
// Layout: u64 little-endian N, then N bytes of UTF-8 JSON
//   {"__metadata__"?: {string: string}, name: {"dtype", "shape", "data_offsets": [begin, end]}, ...},
// then the data section; offsets are relative to its start. The reference pads the header with spaces to a multiple
// of 8 and packs the tensors with no gaps, so every byte of the data section belongs to exactly one tensor.
import fs from 'node:fs/promises';
import { endianness } from 'node:os';

import { HfFormatError } from './errors';

export interface SafetensorsEntry {
  dtype: string;
  shape: number[];
  /** The tensor's raw little-endian bytes (a view into the file's buffer). */
  bytes: Buffer;
}

export interface SafetensorsFile {
  /** In data-section order. */
  tensors: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
}

export interface Float32Tensor {
  shape: number[];
  values: Float32Array;
}

/** Bytes per element of each dtype the reference knows (sub-byte float types are left out: no BERT uses them). */
const DTYPE_SIZE: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, F8_E8M0: 1,
  I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4,
  I64: 8, U64: 8, F64: 8, C64: 8,
};

/** The reference's limit (safetensors' MAX_HEADER_SIZE). */
const MAX_HEADER_BYTES = 100_000_000;

const REWRITE_HINT = 're-export the file with Python: safetensors.torch.save_file(model.state_dict(), path)';

function assertLittleEndian(): void {
  if (endianness() !== 'LE') throw new Error('safetensors files are little-endian; this machine is big-endian');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function parseHeader(buf: Buffer, file: string): { header: Record<string, unknown>; dataStart: number } {
  const fail = (what: string) => new HfFormatError(what, file, REWRITE_HINT);
  if (buf.length < 8) throw fail(`not a safetensors file: ${buf.length} bytes, shorter than the 8-byte header length`);
  const n = buf.readBigUInt64LE(0);
  if (n > BigInt(MAX_HEADER_BYTES)) throw fail(`not a safetensors file: header length ${n} bytes exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  const dataStart = 8 + Number(n);
  if (dataStart > buf.length) throw fail(`truncated: the header needs ${dataStart} bytes, the file has ${buf.length}`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, dataStart)));
  } catch (err) {
    throw fail(`header is not UTF-8 JSON (${(err as Error).message})`);
  }
  if (!isObject(header)) throw fail(`header is not a JSON object (got ${Array.isArray(header) ? 'an array' : JSON.stringify(header)})`);
  return { header, dataStart };
}

function parseMetadata(value: unknown, file: string): Record<string, string> {
  if (value === undefined) return {};
  if (!isObject(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    throw new HfFormatError('header "__metadata__" must map strings to strings', file, REWRITE_HINT);
  }
  return value as Record<string, string>;
}

interface Placed {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

function parseEntry(name: string, value: unknown, file: string): Placed {
  const fail = (what: string) => new HfFormatError(`tensor '${name}': ${what}`, file, REWRITE_HINT);
  if (!isObject(value)) throw fail(`header entry is not an object (got ${JSON.stringify(value)})`);
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string') throw fail(`"dtype" must be a string (got ${JSON.stringify(dtype)})`);
  const size = DTYPE_SIZE[dtype];
  if (size === undefined) throw fail(`unknown dtype '${dtype}' (known: ${Object.keys(DTYPE_SIZE).join(', ')})`);
  if (!Array.isArray(shape) || !shape.every(isCount)) throw fail(`"shape" must be a list of integers >= 0 (got ${JSON.stringify(shape)})`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw fail(`"data_offsets" must be [begin, end], two integers >= 0 (got ${JSON.stringify(offsets)})`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) throw fail(`data_offsets [${begin}, ${end}] end before they begin`);
  const elements = (shape as number[]).reduce((a, b) => a * b, 1);
  const needed = elements * size;
  if (end - begin !== needed) {
    throw fail(`header lies about its size: data_offsets [${begin}, ${end}] span ${end - begin} bytes, ${dtype} [${shape.join(', ')}] needs ${needed}`);
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

/** Reads a safetensors file held in `buf`; `file` names it in errors. Tensor bytes are views into `buf`. */
export function parseSafetensors(buf: Buffer, file: string): SafetensorsFile {
  const { header, dataStart } = parseHeader(buf, file);
  const dataBytes = buf.length - dataStart;
  const metadata = parseMetadata(header.__metadata__, file);
  const placed = Object.entries(header)
    .filter(([name]) => name !== '__metadata__')
    .map(([name, value]) => parseEntry(name, value, file))
    .sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const t of placed) {
    if (t.end > dataBytes) {
      throw new HfFormatError(`truncated: tensor '${t.name}' needs data bytes ${t.begin}..${t.end}, the file has ${dataBytes} (${buf.length} bytes in all)`, file, 'download the file again');
    }
    if (t.begin < covered) {
      const other = placed.find((o) => o !== t && o.begin < t.end && t.begin < o.end)?.name ?? 'another tensor';
      throw new HfFormatError(`tensor '${t.name}' (data bytes ${t.begin}..${t.end}) overlaps '${other}'`, file, REWRITE_HINT);
    }
    if (t.begin > covered) {
      throw new HfFormatError(`data bytes ${covered}..${t.begin} belong to no tensor (a gap before '${t.name}')`, file, REWRITE_HINT);
    }
    covered = t.end;
  }
  if (covered < dataBytes) {
    throw new HfFormatError(`data bytes ${covered}..${dataBytes} belong to no tensor (trailing garbage after the last one)`, file, REWRITE_HINT);
  }
  const tensors = new Map<string, SafetensorsEntry>();
  for (const t of placed) {
    tensors.set(t.name, { dtype: t.dtype, shape: t.shape, bytes: buf.subarray(dataStart + t.begin, dataStart + t.end) });
  }
  return { tensors, metadata };
}

export async function readSafetensors(file: string): Promise<SafetensorsFile> {
  return parseSafetensors(await fs.readFile(file), file);
}

/** An IEEE half's bits → its value. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** A weight's values as float32, from F32, F16 or BF16 storage; `name` and `file` name it in errors. */
export function toFloat32(entry: SafetensorsEntry, name: string, file: string): Float32Array {
  assertLittleEndian();
  // Copied into a fresh buffer: a typed array needs an aligned offset, and the file's buffer may have any.
  const bytes = new Uint8Array(entry.bytes);
  switch (entry.dtype) {
    case 'F32':
      return new Float32Array(bytes.buffer);
    case 'F16': {
      const halves = new Uint16Array(bytes.buffer);
      const out = new Float32Array(halves.length);
      for (let i = 0; i < halves.length; i++) out[i] = halfToFloat(halves[i]!);
      return out;
    }
    case 'BF16': {
      // bfloat16 is the top half of a float32.
      const halves = new Uint16Array(bytes.buffer);
      const bits = new Uint32Array(halves.length);
      for (let i = 0; i < halves.length; i++) bits[i] = halves[i]! << 16;
      return new Float32Array(bits.buffer);
    }
    default:
      throw new HfFormatError(`tensor '${name}' has dtype ${entry.dtype}; kiln reads weights stored as F32, F16 or BF16`, file, 'convert the checkpoint to float32, e.g. model.float() before saving');
  }
}

/** Float32 tensors as safetensors bytes, in the given order: the same input always gives the same bytes. */
export function serializeSafetensors(tensors: ReadonlyMap<string, Float32Tensor>, metadata?: Record<string, string>): Buffer {
  assertLittleEndian();
  const header: Record<string, unknown> = metadata === undefined ? {} : { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__') throw new Error("serializeSafetensors: '__metadata__' is not a tensor name");
    const elements = t.shape.reduce((a, b) => a * b, 1);
    if (elements !== t.values.length) {
      throw new Error(`serializeSafetensors: '${name}' has ${t.values.length} values but shape [${t.shape.join(', ')}] needs ${elements}`);
    }
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + t.values.byteLength] };
    offset += t.values.byteLength;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = Buffer.alloc(8 + headerLength + offset, 0x20);
  out.writeBigUInt64LE(BigInt(headerLength), 0);
  json.copy(out, 8);
  let at = 8 + headerLength;
  for (const t of tensors.values()) {
    out.set(new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength), at);
    at += t.values.byteLength;
  }
  return out;
}
