// A small zip reader for jars and wheels: the central directory for the list, then one entry at a time streamed
// through node:zlib, so a 1 GB library never sits in memory. Stored and deflated entries; no zip64 (the pinned
// archives are far below 4 GB) and no encryption.
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  localHeaderOffset: number;
  encrypted: boolean;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
const ZIP64_MARK = 0xffffffff;

/** The archive's entries, from its central directory. */
export async function readZipEntries(file: string): Promise<ZipEntry[]> {
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    const tail = await readAt(handle, Math.max(0, size - EOCD_SIZE - MAX_COMMENT), Math.min(size, EOCD_SIZE + MAX_COMMENT));
    let eocd = -1;
    for (let i = tail.length - EOCD_SIZE; i >= 0 && eocd < 0; i -= 1) if (tail.readUInt32LE(i) === EOCD_SIGNATURE) eocd = i;
    if (eocd < 0) throw new Error(`${file} is not a zip file (no end of central directory)`);
    const count = tail.readUInt16LE(eocd + 10);
    const directorySize = tail.readUInt32LE(eocd + 12);
    const directoryOffset = tail.readUInt32LE(eocd + 16);
    if (count === 0xffff || directoryOffset === ZIP64_MARK) throw new Error(`${file} is a zip64 archive, which this reader does not support`);
    return parseDirectory(await readAt(handle, directoryOffset, directorySize), count, file);
  } finally {
    await handle.close();
  }
}

function parseDirectory(directory: Buffer, count: number, file: string): ZipEntry[] {
  const entries: ZipEntry[] = [];
  let at = 0;
  for (let i = 0; i < count; i += 1) {
    if (directory.readUInt32LE(at) !== CENTRAL_SIGNATURE) throw new Error(`${file}: corrupt central directory at entry ${i}`);
    const nameLength = directory.readUInt16LE(at + 28);
    const entry: ZipEntry = {
      name: directory.toString('utf8', at + 46, at + 46 + nameLength),
      method: directory.readUInt16LE(at + 10),
      compressedSize: directory.readUInt32LE(at + 20),
      size: directory.readUInt32LE(at + 24),
      crc32: directory.readUInt32LE(at + 16),
      localHeaderOffset: directory.readUInt32LE(at + 42),
      encrypted: (directory.readUInt16LE(at + 8) & 1) === 1,
    };
    if ([entry.compressedSize, entry.size, entry.localHeaderOffset].includes(ZIP64_MARK)) {
      throw new Error(`${file}: ${entry.name} is a zip64 entry, which this reader does not support`);
    }
    entries.push(entry);
    at += 46 + nameLength + directory.readUInt16LE(at + 30) + directory.readUInt16LE(at + 32);
  }
  return entries;
}

/**
 * Writes one entry's content to `dest`, checking its length and CRC-32 as it goes (a truncated or corrupt archive
 * fails here rather than as a broken library later).
 */
export async function extractZipEntry(file: string, entry: ZipEntry, dest: string, mode = 0o644): Promise<void> {
  if (entry.encrypted) throw new Error(`${file}: ${entry.name} is encrypted`);
  if (entry.method !== 0 && entry.method !== 8) throw new Error(`${file}: ${entry.name} uses compression method ${entry.method} (only stored and deflated are supported)`);
  const handle = await fs.open(file, 'r');
  let dataStart: number;
  try {
    const local = await readAt(handle, entry.localHeaderOffset, 30);
    if (local.readUInt32LE(0) !== LOCAL_SIGNATURE) throw new Error(`${file}: corrupt local header for ${entry.name}`);
    dataStart = entry.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  } finally {
    await handle.close();
  }
  if (entry.compressedSize === 0) {
    if (entry.size !== 0) throw new Error(`${file}: ${entry.name} has no data but should hold ${entry.size} bytes`);
    await fs.writeFile(dest, '', { mode });
    return;
  }
  const source = createReadStream(file, { start: dataStart, end: dataStart + entry.compressedSize - 1 });
  const check = new CheckedContent(entry, file);
  const sink = createWriteStream(dest, { mode });
  if (entry.method === 8) await pipeline(source, zlib.createInflateRaw(), check, sink);
  else await pipeline(source, check, sink);
}

/** Passes bytes through while counting them and computing their CRC-32; fails at the end if either is off. */
class CheckedContent extends Transform {
  private bytes = 0;
  private crc = 0;

  constructor(
    private readonly entry: ZipEntry,
    private readonly file: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.crc = zlib.crc32(chunk, this.crc);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const { name, size, crc32 } = this.entry;
    if (this.bytes !== size) callback(new Error(`${this.file}: ${name} unpacked to ${this.bytes} bytes, expected ${size}`));
    else if (this.crc >>> 0 !== crc32) callback(new Error(`${this.file}: ${name} is corrupt (CRC-32 ${hex(this.crc)}, expected ${hex(crc32)})`));
    else callback();
  }
}

/** Extracts the named entries; names missing from the archive are an error that lists them. */
export async function extractZipFiles(file: string, wanted: Array<{ name: string; dest: string; mode?: number }>): Promise<void> {
  const byName = new Map((await readZipEntries(file)).map((entry) => [entry.name, entry]));
  const missing = wanted.filter((w) => !byName.has(w.name)).map((w) => w.name);
  if (missing.length > 0) throw new Error(`${file} does not contain ${missing.join(', ')}`);
  for (const { name, dest, mode } of wanted) await extractZipEntry(file, byName.get(name)!, dest, mode);
}

async function readAt(handle: fs.FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  if (bytesRead !== length) throw new Error(`unexpected end of file reading ${length} bytes at ${position}`);
  return buffer;
}

function hex(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
