import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SetupError } from '../../../setup/errors';
import { findTarget, variantLayout } from '../../../setup/paths';
import { buildToolChecks, diskCheck, requirePassing } from '../../../setup/preflight';

let bin: string;

/** A PATH with executables of these names, and nothing else. */
async function fakeTools(names: string[]): Promise<NodeJS.ProcessEnv> {
  const dir = await fs.mkdtemp(path.join(bin, 'path-'));
  for (const name of names) await fs.writeFile(path.join(dir, name), '#!/bin/sh\n', { mode: 0o755 });
  return { PATH: dir };
}

beforeAll(async () => {
  bin = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-preflight-'));
});

afterAll(async () => {
  await fs.rm(bin, { recursive: true, force: true });
});

describe('preflight', () => {
  it('a PATH without a C++ compiler fails with the packages to install', async () => {
    const env = await fakeTools(['make', 'python3', 'npm']);
    const checks = buildToolChecks(env);
    expect(checks.find((c) => c.name === 'C++ compiler')).toEqual({
      name: 'C++ compiler',
      ok: false,
      detail: 'no C++ compiler on PATH (looked for c++, g++, clang++)',
      fix: 'apt-get install build-essential (Debian/Ubuntu), dnf install gcc-c++ make (Fedora), or xcode-select --install (macOS)',
    });
    expect(checks.find((c) => c.name === 'make')).toEqual({ name: 'make', ok: true, detail: path.join(env.PATH!, 'make') });
    expect(() => requirePassing(checks)).toThrow(
      new SetupError('C++ compiler: no C++ compiler on PATH (looked for c++, g++, clang++)', checks[0]!.fix),
    );
  });

  it('clang++ counts as a compiler; a missing python3 is named next', async () => {
    const env = await fakeTools(['clang++', 'make']);
    const checks = buildToolChecks(env);
    expect(checks.find((c) => c.name === 'C++ compiler')?.ok).toBe(true);
    expect(() => requirePassing(checks)).toThrow('python3: python3 is not on PATH (node-gyp runs gyp with it)');
  });

  it('not enough disk says how much is free and needed', async () => {
    const check = await diskCheck(path.join(bin, 'not', 'yet', 'created'), 1e18);
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(new RegExp(`^[0-9.]+ [MG]B free at ${bin.replace(/[.]/g, '\\.')}, setup needs about 1000000000\\.0 GB$`));
    expect(check.fix).toContain('XDG_CACHE_HOME');
    expect((await diskCheck(bin, 1)).ok).toBe(true);
  });

  it('an unsupported platform names the supported ones', () => {
    const expected = 'TensorFlow 2.18.0 with GPU support is not available for darwin arm64 (supported: linux x64 (cpu and --gpu), darwin arm64 (cpu))';
    expect(findTarget('gpu', 'darwin', 'arm64')).toBe(expected);
    expect(() => variantLayout({ kilnRoot: bin, cacheRoot: bin }, 'gpu', 'darwin', 'arm64')).toThrow(expected);
    expect(variantLayout({ kilnRoot: bin, cacheRoot: bin }, 'cpu', 'darwin', 'arm64').target.jar.classifier).toBe('macosx-arm64');
  });
});
