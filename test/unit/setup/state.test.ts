import fs from 'node:fs/promises';
import path from 'node:path';

import { afterEach, describe, expect, it, vi } from 'vitest';

import { packageBindingPath, setupLockPath } from '../../../setup/paths';
import { collectingReporter } from '../../../setup/progress';
import { inspectSetup, readMarker } from '../../../setup/state';
import { setupTensorflow } from '../../../setup/tensorflow';
import { fakeSetup, installFakePackage, type FakeSetup } from './fake-setup';

let fake: FakeSetup | undefined;
afterEach(async () => {
  await fake?.cleanup();
  fake = undefined;
});

describe('inspectSetup', () => {
  it('a complete cache and package are ready', async () => {
    fake = await fakeSetup();
    expect(await inspectSetup(fake.roots, fake.layout)).toMatchObject({ state: 'ready', problems: [] });
  });

  it('an empty cache is not set up', async () => {
    fake = await fakeSetup();
    await fs.rm(fake.layout.marker);
    expect(await inspectSetup(fake.roots, fake.layout)).toEqual({ state: 'not-set-up', problems: [`not set up (no ${fake.layout.marker})`] });
  });

  it('a package that npm pruned is reported as such', async () => {
    fake = await fakeSetup();
    await fs.rm(fake.layout.packageDir, { recursive: true });
    const inspection = await inspectSetup(fake.roots, fake.layout);
    expect(inspection.state).toBe('pruned');
    expect(inspection.problems).toEqual([
      `@tensorflow/tfjs-node is set up in the cache but not in ${path.join(fake.roots.kilnRoot, 'node_modules', '@tensorflow')} (a later \`npm install\` removed it)`,
    ]);
  });

  it('a missing binding and a deps link elsewhere are both named', async () => {
    fake = await fakeSetup();
    const binding = packageBindingPath(fake.layout, fake.napiVersion);
    await fs.rm(binding);
    await fs.rm(fake.layout.depsLink);
    await fs.symlink('/tmp/elsewhere', fake.layout.depsLink);
    expect(await inspectSetup(fake.roots, fake.layout)).toMatchObject({
      state: 'incomplete',
      problems: [`${fake.layout.depsLink} does not link to ${fake.layout.dir}`, `${binding} is missing or differs from the cached build`],
    });
  });
});

describe('setupTensorflow', () => {
  it('takes the fast path when everything is in place: no output, no child process, milliseconds', async () => {
    fake = await fakeSetup();
    const lines: string[] = [];
    const started = performance.now();
    const result = await setupTensorflow({ variant: 'cpu', roots: fake.roots, reporter: collectingReporter(lines) });
    expect(performance.now() - started).toBeLessThan(250);
    expect(result.alreadySetUp).toBe(true);
    expect(result.layout.dir).toBe(fake.layout.dir);
    expect(lines).toEqual([]);
  });

  it('re-links a broken package from the cache without compiling, and a failed load leaves no marker', async () => {
    fake = await fakeSetup();
    const failing = "throw new Error('libtensorflow.so.2: cannot open shared object file: No such file or directory');\n";
    await installFakePackage(fake.layout, fake.napiVersion, failing);
    await fs.rm(packageBindingPath(fake.layout, fake.napiVersion));
    const lines: string[] = [];
    await expect(setupTensorflow({ variant: 'cpu', roots: fake.roots, reporter: collectingReporter(lines) })).rejects.toThrow(
      'loading @tensorflow/tfjs-node failed: Error: libtensorflow.so.2: cannot open shared object file: No such file or directory',
    );
    expect(lines.filter((line) => /^\w+:/u.test(line))).toEqual(['verify: loading @tensorflow/tfjs-node in a child process']);
    expect(await fs.readFile(packageBindingPath(fake.layout, fake.napiVersion), 'utf8')).toBe('compiled binding');
    expect(await readMarker(fake.layout)).toBeUndefined();
  });

  it('checks for npm before reinstalling a pruned package', async () => {
    fake = await fakeSetup();
    await fs.rm(fake.layout.packageDir, { recursive: true });
    const attempt = setupTensorflow({ variant: 'cpu', roots: fake.roots, env: { PATH: fake.roots.kilnRoot }, reporter: collectingReporter([]) });
    await expect(attempt).rejects.toMatchObject({ message: 'npm: npm is not on PATH', hint: 'install Node.js with npm (https://nodejs.org)' });
  });

  it('waits for another setup that holds the lock, and says whose it is', async () => {
    fake = await fakeSetup();
    await fs.rm(fake.layout.packageDir, { recursive: true }); // not ready, so setup needs the lock
    const lock = setupLockPath(fake.roots);
    await fs.mkdir(path.dirname(lock), { recursive: true });
    await fs.writeFile(lock, JSON.stringify({ pid: process.ppid, token: 'theirs', createdAt: Date.now() }));
    const lines: string[] = [];
    const attempt = setupTensorflow({ variant: 'cpu', roots: fake.roots, env: { PATH: fake.roots.kilnRoot }, reporter: collectingReporter(lines) });
    await vi.waitFor(() => expect(lines).toEqual([`waiting for another kiln setup (pid ${process.ppid})…`]));
    await fs.rm(lock);
    await expect(attempt).rejects.toThrow('npm: npm is not on PATH');
  });
});
