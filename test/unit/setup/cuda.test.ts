// Which CUDA library folders `kiln setup tensorflow --gpu` tells the user to put on the loader path: those of the
// CUDA 12 wheels TensorFlow 2.18 pins, found by distribution name, never a CUDA 13 wheel that a recent torch brings.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { cudaLibraryDirs } from '../../../setup/cuda';

let site: string;

/** A minimal installed wheel: its dist-info (METADATA, RECORD) and one shared library. */
async function fakeWheel(dist: string, version: string, lib: string): Promise<void> {
  const info = path.join(site, `${dist.replace(/-/g, '_')}-${version}.dist-info`);
  await fs.mkdir(info, { recursive: true });
  await fs.writeFile(path.join(info, 'METADATA'), `Metadata-Version: 2.1\nName: ${dist}\nVersion: ${version}\n`);
  await fs.writeFile(path.join(info, 'RECORD'), `${lib},,\n`);
  await fs.mkdir(path.join(site, path.dirname(lib)), { recursive: true });
  await fs.writeFile(path.join(site, lib), '');
}

beforeAll(async () => {
  site = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-cuda-site-'));
  await fakeWheel('nvidia-cuda-runtime-cu12', '12.5.82', 'nvidia/cuda_runtime/lib/libcudart.so.12');
  await fakeWheel('nvidia-cublas-cu13', '13.0.0', 'nvidia/cu13/lib/libcublas.so.13');
});

afterAll(async () => {
  await fs.rm(site, { recursive: true, force: true });
});

describe('cudaLibraryDirs', () => {
  it('lists the library folders of installed CUDA 12 wheels that TensorFlow 2.18 pins, and no others', () => {
    expect(cudaLibraryDirs('python3', { ...process.env, PYTHONPATH: site })).toEqual([path.join(site, 'nvidia/cuda_runtime/lib')]);
  });

  it('is empty where python cannot run', () => {
    expect(cudaLibraryDirs('/nonexistent/python3')).toEqual([]);
  });
});
