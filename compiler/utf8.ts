// Pipeline files must be UTF-8: decoding anything else would silently turn bytes into U+FFFD.
import { isUtf8 } from 'node:buffer';
import type { Position } from './load';

/** Where the first byte that is not part of valid UTF-8 is, with its line and column; undefined if none. */
export function invalidUtf8(bytes: Uint8Array): (Position & { offset: number; byte: number }) | undefined {
  if (isUtf8(bytes)) return undefined;
  const offset = firstInvalid(bytes);
  const before = Buffer.from(bytes.buffer, bytes.byteOffset, offset).toString('utf8');
  const lineStart = before.lastIndexOf('\n') + 1;
  const line = before.split('\n').length;
  return { offset, byte: bytes[offset]!, line, col: before.length - lineStart + 1 };
}

function firstInvalid(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    // Lead byte: sequence length and the smallest code point it may encode (longer forms are invalid).
    const [len, min] = b >= 0xc2 && b <= 0xdf ? [2, 0x80] : b >= 0xe0 && b <= 0xef ? [3, 0x800] : b >= 0xf0 && b <= 0xf4 ? [4, 0x10000] : [0, 0];
    if (len === 0 || i + len > bytes.length) return i;
    let cp = b & (0x7f >> len);
    for (let k = 1; k < len; k++) {
      const c = bytes[i + k]!;
      if ((c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += len;
  }
  return bytes.length;
}
