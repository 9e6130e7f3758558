// The per-process memo of verified files must never outlive a change to the file, even one that keeps its size
// and mtime (`touch -r`, or a write in the same clock tick).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { sha256File } from '../../../store/atomic';
import { cachedSha256File } from '../../../store/verified-cache';
import { tempHome, type TempHome } from './helpers';

let t: TempHome;
let file: string;
beforeEach(async () => {
  t = await tempHome();
  file = path.join(t.home, 'weights.bin');
  await fs.writeFile(file, 'call me ishmael');
});
afterEach(async () => {
  await t.remove();
});

const settle = () => new Promise((resolve) => setTimeout(resolve, 80));

describe('cachedSha256File', () => {
  it('sees a same-size edit that restored the mtime', async () => {
    await settle();
    const good = await cachedSha256File(file);
    expect(await cachedSha256File(file)).toEqual(good);
    // `touch -r` keeps nanoseconds, which utimes through a Date would lose.
    execFileSync('touch', ['-r', file, `${file}.time`]);
    await fs.writeFile(file, 'call me ishmaeL');
    execFileSync('touch', ['-r', `${file}.time`, file]);
    expect((await fs.stat(file, { bigint: true })).mtimeNs).toBe((await fs.stat(`${file}.time`, { bigint: true })).mtimeNs);
    expect(await cachedSha256File(file)).toEqual(await sha256File(file));
    expect((await cachedSha256File(file)).hex).not.toBe(good.hex);
  });

  it('sees a file replaced by rename', async () => {
    await settle();
    await cachedSha256File(file);
    await fs.writeFile(`${file}.new`, 'some years ago.');
    await fs.rename(`${file}.new`, file);
    expect(await cachedSha256File(file)).toEqual(await sha256File(file));
  });
});
