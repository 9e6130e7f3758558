import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { extractZipEntry, extractZipFiles, readZipEntries } from '../../../setup/zip';

let dir: string;
let zip: string;

// python3's zipfile writes the archive (an independent implementation), plus the expected contents beside it.
const MAKE_ZIP = `
import random, sys, zipfile
out = sys.argv[1]
big = random.Random(7).randbytes(3_000_000)
open(out + '.big', 'wb').write(big)
with zipfile.ZipFile(out, 'w') as z:
    z.writestr(zipfile.ZipInfo('dir/'), b'')
    z.writestr('dir/a.txt', b'hello hello hello hello\\n' * 100, compress_type=zipfile.ZIP_DEFLATED)
    z.writestr('b.bin', b'stored bytes', compress_type=zipfile.ZIP_STORED)
    z.writestr('big.bin', big, compress_type=zipfile.ZIP_DEFLATED)
`;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-zip-'));
  zip = path.join(dir, 'test.zip');
  execFileSync('python3', ['-c', MAKE_ZIP, zip]);
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('zip reader', () => {
  it('lists entries from the central directory with method and sizes', async () => {
    const entries = await readZipEntries(zip);
    expect(entries.map((e) => [e.name, e.method, e.size])).toEqual([
      ['dir/', 0, 0],
      ['dir/a.txt', 8, 2400],
      ['b.bin', 0, 12],
      ['big.bin', 8, 3_000_000],
    ]);
  });

  it('extracts a deflated, a stored and a 3 MB deflated entry byte for byte', async () => {
    const out = (name: string) => path.join(dir, `out-${name.replace('/', '_')}`);
    await extractZipFiles(zip, ['dir/a.txt', 'b.bin', 'big.bin'].map((name) => ({ name, dest: out(name) })));
    expect(await fs.readFile(out('dir/a.txt'), 'utf8')).toBe('hello hello hello hello\n'.repeat(100));
    expect(await fs.readFile(out('b.bin'), 'utf8')).toBe('stored bytes');
    expect((await fs.readFile(out('big.bin'))).equals(await fs.readFile(`${zip}.big`))).toBe(true);
  });

  it('names the entries an archive lacks', async () => {
    await expect(extractZipFiles(zip, [{ name: 'nope.so', dest: path.join(dir, 'x') }])).rejects.toThrow(`${zip} does not contain nope.so`);
  });

  it('fails on a corrupted entry with its CRC-32', async () => {
    const corrupt = path.join(dir, 'corrupt.zip');
    const bytes = await fs.readFile(zip);
    const stored = (await readZipEntries(zip)).find((e) => e.name === 'b.bin')!;
    const dataStart = stored.localHeaderOffset + 30 + bytes.readUInt16LE(stored.localHeaderOffset + 26) + bytes.readUInt16LE(stored.localHeaderOffset + 28);
    bytes.writeUInt8(bytes.readUInt8(dataStart) ^ 0xff, dataStart);
    await fs.writeFile(corrupt, bytes);
    const entry = (await readZipEntries(corrupt)).find((e) => e.name === 'b.bin')!;
    await expect(extractZipEntry(corrupt, entry, path.join(dir, 'bad'))).rejects.toThrow(/b\.bin is corrupt \(CRC-32 [0-9a-f]{8}, expected [0-9a-f]{8}\)/);
  });

  it('says when a file is not a zip', async () => {
    const text = path.join(dir, 'text.txt');
    await fs.writeFile(text, 'just text');
    await expect(readZipEntries(text)).rejects.toThrow(`${text} is not a zip file`);
  });
});
