import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { formatStatus } from '../../../cli/setup';
import { setupStatus } from '../../../setup/status';
import { repoRoot } from '../../helpers/kiln-cli';
import { fakeSetup, type FakeSetup } from './fake-setup';

const noGpu = async () => false;
let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanup) await fn();
  cleanup = [];
});

describe('setupStatus', () => {
  it('with an empty cache: wasm and cpu available, both native backends not set up with their fix', async () => {
    const cacheRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-status-'));
    cleanup.push(() => fs.rm(cacheRoot, { recursive: true, force: true }));
    const status = await setupStatus({ roots: { kilnRoot: repoRoot, cacheRoot }, gpuVisible: noGpu });
    const [wasm, cpu, node, gpu] = status.backends;
    expect(status.backends.map((b) => b.name)).toEqual(['wasm', 'cpu', 'tfjs-node', 'tfjs-node-gpu']);
    expect(wasm).toEqual({ name: 'wasm', available: true, detail: '@tensorflow/tfjs-backend-wasm 4.22.0' });
    expect(cpu?.available).toBe(true);
    const marker = path.join(cacheRoot, 'tensorflow', 'tf-2.18.0-cpu-linux-x64', 'setup.json');
    expect(node).toEqual({
      name: 'tfjs-node',
      available: false,
      setup: 'not-set-up',
      detail: `not set up (no ${marker}); setup downloads about 390 MB and compiles for a minute`,
      fix: 'kiln setup tensorflow',
    });
    expect(gpu).toMatchObject({ available: false, setup: 'not-set-up', fix: 'kiln setup tensorflow --gpu' });
    expect(status.checks.map((c) => c.name)).toEqual(['npm', 'C++ compiler', 'make', 'python3', 'node-gyp', 'Node.js headers', 'disk space']);
    expect(status.cacheDir).toBe(path.join(cacheRoot, 'tensorflow'));

    const lines = formatStatus(status);
    expect(lines[3]).toBe(`  tfjs-node      not available: not set up (no ${marker}); setup downloads about 390 MB and compiles for a minute (fix: kiln setup tensorflow)`);
    expect(lines[5]).toBe(`What \`kiln setup tensorflow\` needs here (cache: ${path.join(cacheRoot, 'tensorflow')}):`);
  });

  it('a complete setup is available; pruned from node_modules it says setup takes seconds', async () => {
    const fake: FakeSetup = await fakeSetup();
    cleanup.push(fake.cleanup);
    let status = await setupStatus({ roots: fake.roots, gpuVisible: noGpu });
    expect(status.backends[2]).toEqual({
      name: 'tfjs-node',
      available: true,
      setup: 'ready',
      detail: `TensorFlow 2.18.0, @tensorflow/tfjs-node 4.22.0 (napi-v${fake.napiVersion}) in ${fake.layout.packageDir}, library in ${fake.layout.dir}`,
    });
    // The fake root has no node_modules for the JS backends: they say how to get them.
    expect(status.backends[0]).toMatchObject({ available: false, fix: `npm install (in ${fake.roots.kilnRoot})` });

    await fs.rm(fake.layout.packageDir, { recursive: true });
    status = await setupStatus({ roots: fake.roots, gpuVisible: noGpu });
    expect(status.backends[2]).toMatchObject({ available: false, setup: 'pruned', fix: 'kiln setup tensorflow' });
    expect(status.backends[2]?.detail).toMatch(/a later `npm install` removed it\); setting it up again takes seconds$/);
  });
});
