// The safetensors reader agrees with the reference (a fixture written by Python's safetensors), the writer's bytes
// read back exactly, and every malformed file is refused in one line naming the file and the tensor.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { HfFormatError } from '../../../nlp/hf/errors';
import { parseSafetensors, readSafetensors, serializeSafetensors, toFloat32, type Float32Tensor } from '../../../nlp/hf/safetensors';

const TINY = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/hf/tiny.safetensors');
const FILE = 'model.safetensors';

/** A file with `header` (an object, or raw header text) and `data` bytes. */
function fileOf(header: unknown, data: number | Buffer = 0): Buffer {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, json, typeof data === 'number' ? Buffer.alloc(data) : data]);
}

function errorOf(fn: () => unknown): HfFormatError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HfFormatError);
    expect((err as Error).message).not.toContain('\n');
    return err as HfFormatError;
  }
  throw new Error('expected an HfFormatError');
}

const parseError = (buf: Buffer) => errorOf(() => parseSafetensors(buf, FILE)).message;

describe('the reference fixture (scripts/hf-tiny-safetensors.py)', () => {
  it('reads every dtype as torch does', async () => {
    const { tensors, metadata } = await readSafetensors(TINY);
    expect(metadata).toEqual({ format: 'pt' });
    expect([...tensors].map(([name, t]) => [name, t.dtype, t.shape])).toEqual([
      ['position_ids', 'I64', [1, 3]],
      ['f32', 'F32', [2, 3]],
      ['scalar', 'F32', []],
      ['bf16', 'BF16', [2, 2]],
      ['f16', 'F16', [8]],
    ]);
    const values = (name: string) => Array.from(toFloat32(tensors.get(name)!, name, TINY));
    // torch's float32 values of each tensor (the script prints them); -0 stays -0.
    expect(values('f32')).toEqual([1, -2.5, 3.25, 0.10000000149011612, -0, 1.0000000031710769e-30]);
    expect(values('f16')).toEqual([1, 3.140625, -65504, 5.960464477539063e-8, 0.0999755859375, Infinity, -0, 6.097555160522461e-5]);
    expect(values('bf16')).toEqual([1, 3.140625, -3.00405527047391e38, -Infinity]);
    expect(values('scalar')).toEqual([42.5]);
    const ids = tensors.get('position_ids')!.bytes;
    expect(Array.from(new BigInt64Array(new Uint8Array(ids).buffer))).toEqual([0n, 1n, 2n]);
  });

  it('refuses a non-float tensor as a weight, naming it', () => {
    const { tensors } = parseSafetensors(fs.readFileSync(TINY), TINY);
    const err = errorOf(() => toFloat32(tensors.get('position_ids')!, 'position_ids', TINY));
    expect(err.message).toBe(`${TINY}: tensor 'position_ids' has dtype I64; kiln reads weights stored as F32, F16 or BF16`);
    expect(err.hint).toBe('convert the checkpoint to float32, e.g. model.float() before saving');
  });

  it('reads tensors at any byte offset of the buffer', () => {
    const shifted = Buffer.concat([Buffer.alloc(3), fs.readFileSync(TINY)]).subarray(3);
    const { tensors } = parseSafetensors(shifted, TINY);
    expect(Array.from(toFloat32(tensors.get('f32')!, 'f32', TINY)).slice(0, 3)).toEqual([1, -2.5, 3.25]);
  });

  it('reports a truncated download with both sizes', () => {
    const cut = fs.readFileSync(TINY).subarray(0, -3);
    expect(parseError(cut)).toBe(`${FILE}: truncated: tensor 'f16' needs data bytes 60..76, the file has 73 (417 bytes in all)`);
  });
});

describe('serializeSafetensors', () => {
  const tensors = new Map<string, Float32Tensor>([
    ['b.weight', { shape: [2, 3], values: Float32Array.from([1, 2, 3, 4, 5, -0.5]) }],
    ['a.bias', { shape: [1], values: Float32Array.from([7]) }],
    ['empty0', { shape: [0, 4], values: new Float32Array(0) }],
  ]);

  it('writes the reference layout: F32, offsets in the given order, header padded with spaces to 8 bytes', () => {
    const buf = serializeSafetensors(tensors, { format: 'pt' });
    const n = Number(buf.readBigUInt64LE(0));
    expect(n % 8).toBe(0);
    expect(buf.toString('utf8', 8, 8 + n)).toBe(
      '{"__metadata__":{"format":"pt"},"b.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},' +
        '"a.bias":{"dtype":"F32","shape":[1],"data_offsets":[24,28]},"empty0":{"dtype":"F32","shape":[0,4],"data_offsets":[28,28]}}' +
        ' '.repeat(7),
    );
    expect(buf.length).toBe(8 + n + 28);
    expect(serializeSafetensors(tensors, { format: 'pt' }).equals(buf)).toBe(true);
  });

  it('round trips through the reader', () => {
    const { tensors: back, metadata } = parseSafetensors(serializeSafetensors(tensors), FILE);
    expect(metadata).toEqual({});
    expect([...back.keys()]).toEqual(['b.weight', 'a.bias', 'empty0']);
    for (const [name, t] of tensors) {
      expect(back.get(name)!.shape).toEqual(t.shape);
      expect(toFloat32(back.get(name)!, name, FILE)).toEqual(t.values);
    }
  });

  it('refuses values that do not fill the shape', () => {
    const bad = new Map([['w', { shape: [2, 2], values: new Float32Array(3) }]]);
    expect(() => serializeSafetensors(bad)).toThrowError("serializeSafetensors: 'w' has 3 values but shape [2, 2] needs 4");
  });
});

describe('malformed files', () => {
  const f32 = (begin: number, end: number, shape = [(end - begin) / 4]) => ({ dtype: 'F32', shape, data_offsets: [begin, end] });

  it('refuses what is not a safetensors header', () => {
    expect(parseError(Buffer.from([1, 2, 3]))).toBe(`${FILE}: not a safetensors file: 3 bytes, shorter than the 8-byte header length`);
    const huge = Buffer.alloc(16);
    huge.writeBigUInt64LE(1n << 40n);
    expect(parseError(huge)).toBe(`${FILE}: not a safetensors file: header length 1099511627776 bytes exceeds the 100000000-byte limit`);
    const long = Buffer.alloc(20);
    long.writeBigUInt64LE(1000n);
    expect(parseError(long)).toBe(`${FILE}: truncated: the header needs 1008 bytes, the file has 20`);
    expect(parseError(fileOf('{"a": '))).toMatch(new RegExp(`^${FILE}: header is not UTF-8 JSON \\(`));
    expect(parseError(fileOf(Buffer.from([0x7b, 0xff, 0x7d]).toString('latin1')))).toMatch(/: header is not UTF-8 JSON \(/);
    expect(parseError(fileOf('[1, 2]'))).toBe(`${FILE}: header is not a JSON object (got an array)`);
    expect(parseError(fileOf('42'))).toBe(`${FILE}: header is not a JSON object (got 42)`);
    expect(parseError(fileOf({ __metadata__: { format: 1 } }))).toBe(`${FILE}: header "__metadata__" must map strings to strings`);
    expect(errorOf(() => parseSafetensors(Buffer.alloc(0), FILE)).hint).toBe('re-export the file with Python: safetensors.torch.save_file(model.state_dict(), path)');
  });

  it('names the tensor whose entry is malformed', () => {
    expect(parseError(fileOf({ w: 3 }))).toBe(`${FILE}: tensor 'w': header entry is not an object (got 3)`);
    expect(parseError(fileOf({ w: { shape: [1], data_offsets: [0, 4] } }, 4))).toBe(`${FILE}: tensor 'w': "dtype" must be a string (got undefined)`);
    expect(parseError(fileOf({ w: { dtype: 'F32', data_offsets: [0, 4] } }, 4))).toBe(`${FILE}: tensor 'w': "shape" must be a list of integers >= 0 (got undefined)`);
    expect(parseError(fileOf({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, 4))).toBe(`${FILE}: tensor 'w': "shape" must be a list of integers >= 0 (got [-1])`);
    expect(parseError(fileOf({ w: { dtype: 'F32', shape: [1] } }, 4))).toBe(`${FILE}: tensor 'w': "data_offsets" must be [begin, end], two integers >= 0 (got undefined)`);
    expect(parseError(fileOf({ w: { dtype: 'F32', shape: [1], data_offsets: [0, '4'] } }, 4))).toBe(`${FILE}: tensor 'w': "data_offsets" must be [begin, end], two integers >= 0 (got [0,"4"])`);
    expect(parseError(fileOf({ w: { dtype: 'F33', shape: [1], data_offsets: [0, 4] } }, 4))).toMatch(new RegExp(`^${FILE}: tensor 'w': unknown dtype 'F33' \\(known: BOOL, U8, .*, F32, .*\\)$`));
    expect(parseError(fileOf({ w: f32(8, 4, [1]) }, 8))).toBe(`${FILE}: tensor 'w': data_offsets [8, 4] end before they begin`);
  });

  it('refuses a header that lies about a size', () => {
    expect(parseError(fileOf({ w: f32(0, 12, [2, 2]) }, 12))).toBe(`${FILE}: tensor 'w': header lies about its size: data_offsets [0, 12] span 12 bytes, F32 [2, 2] needs 16`);
    expect(parseError(fileOf({ h: { dtype: 'BF16', shape: [3], data_offsets: [0, 4] } }, 4))).toBe(`${FILE}: tensor 'h': header lies about its size: data_offsets [0, 4] span 4 bytes, BF16 [3] needs 6`);
  });

  it('accounts for every byte of the data section', () => {
    expect(parseError(fileOf({ a: f32(0, 8), b: f32(8, 16) }, 12))).toBe(`${FILE}: truncated: tensor 'b' needs data bytes 8..16, the file has 12 (128 bytes in all)`);
    expect(parseError(fileOf({ a: f32(0, 8), b: f32(4, 12) }, 12))).toBe(`${FILE}: tensor 'b' (data bytes 4..12) overlaps 'a'`);
    expect(parseError(fileOf({ a: f32(0, 4), b: f32(8, 12) }, 12))).toBe(`${FILE}: data bytes 4..8 belong to no tensor (a gap before 'b')`);
    expect(parseError(fileOf({ a: f32(4, 8) }, 8))).toBe(`${FILE}: data bytes 0..4 belong to no tensor (a gap before 'a')`);
    expect(parseError(fileOf({ a: f32(0, 4) }, 8))).toBe(`${FILE}: data bytes 4..8 belong to no tensor (trailing garbage after the last one)`);
    expect(parseError(fileOf({}, 1))).toBe(`${FILE}: data bytes 0..1 belong to no tensor (trailing garbage after the last one)`);
  });
});
