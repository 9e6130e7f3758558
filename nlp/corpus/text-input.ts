import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** gzip is recognised by its magic bytes, never by a file name: servers and users name files freely. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export async function isGzipFile(file: string): Promise<boolean> {
  const handle = await fs.open(file, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return isGzip(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/** The file's bytes, gunzipped when they are gzip. Errors of either stream surface on the returned one. */
export async function openDecompressed(file: string): Promise<Readable> {
  const raw = createReadStream(file);
  if (!(await isGzipFile(file))) return raw;
  return pipeline(raw, createGunzip(), () => undefined);
}

/**
 * The text lines of a file (gzip or not), without their `\n` or `\r\n`. Bytes that are not UTF-8 become U+FFFD
 * instead of failing: one bad byte in a large download should not cost the corpus. A leading BOM is dropped.
 */
export async function* readLines(file: string): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });
  let pending = '';
  for await (const chunk of await openDecompressed(file)) {
    const lines = (pending + decoder.decode(chunk as Buffer, { stream: true })).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) yield stripCarriageReturn(line);
  }
  pending += decoder.decode();
  if (pending !== '') yield stripCarriageReturn(pending);
}

function stripCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
