import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { ArtifactStore } from '../../../store/artifacts';
import { StepCache } from '../../../store/cache';
import { cacheKeyOf, explainChange, keyPartsFor } from '../../../store/cache-key';

const schema = { properties: { file: { type: 'string', 'x-kiln-path': true }, size: { type: 'integer' } } };
const stepType = (implementation: number) => ({ type: 'test/step@v1', implementation, schema });

async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'kiln-cache-key-'));
}

describe('cache keys', () => {
  it('cover the implementation version, plain inputs, artifact digests and local file contents', async () => {
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, 'a.txt'), 'one');
    const artifact = { uri: `kiln://sha256/${'a'.repeat(64)}`, kind: 'corpus', digest: `sha256:${'a'.repeat(64)}`, bytes: 3, meta: { note: 'x' } };
    const base = await keyPartsFor(stepType(1), { file: 'a.txt', size: 8, corpus: artifact }, dir);
    expect(base.inputs).toEqual({ file: { path: 'a.txt', content: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) }, size: 8, corpus: { artifact: artifact.digest } });

    // meta is not content: the same artifact with other meta keeps the key.
    const sameArtifact = await keyPartsFor(stepType(1), { file: 'a.txt', size: 8, corpus: { ...artifact, meta: {} } }, dir);
    expect(cacheKeyOf(sameArtifact)).toBe(cacheKeyOf(base));

    const newImplementation = await keyPartsFor(stepType(2), { file: 'a.txt', size: 8, corpus: artifact }, dir);
    expect(cacheKeyOf(newImplementation)).not.toBe(cacheKeyOf(base));
    expect(explainChange(base, newImplementation)).toEqual(['implementation of test/step@v1 changed (version 1 → 2)']);

    const newParam = await keyPartsFor(stepType(1), { file: 'a.txt', size: 9, corpus: artifact }, dir);
    expect(explainChange(base, newParam)).toEqual(['input size changed: 8 → 9']);

    const other = `sha256:${'b'.repeat(64)}`;
    const newArtifact = await keyPartsFor(stepType(1), { file: 'a.txt', size: 8, corpus: { ...artifact, digest: other } }, dir);
    expect(explainChange(base, newArtifact)[0]).toMatch(/^input corpus is a different artifact/);

    await fs.writeFile(path.join(dir, 'a.txt'), 'two');
    const newContent = await keyPartsFor(stepType(1), { file: 'a.txt', size: 8, corpus: artifact }, dir);
    expect(explainChange(base, newContent)).toEqual(['content of file "a.txt" (file) changed']);
  });

  it('a lookup after an implementation bump misses and says why', async () => {
    const home = await tempDir();
    const store = new ArtifactStore(path.join(home, 'store'));
    const cache = new StepCache(store, path.join(home, 'cache'));
    const owner = { pipeline: 'p', stepId: 's' };
    const v1 = await keyPartsFor(stepType(1), { size: 1 }, home);
    await cache.save({ key: cacheKeyOf(v1), parts: v1, outputs: { value: 1 }, createdAt: 'now', producer: { ...owner, workflowId: 'p-1' } });
    expect(await cache.lookup(cacheKeyOf(v1), v1, owner)).toMatchObject({ hit: true });

    const v2 = await keyPartsFor(stepType(2), { size: 1 }, home);
    expect(await cache.lookup(cacheKeyOf(v2), v2, owner)).toEqual({ hit: false, reasons: ['implementation of test/step@v1 changed (version 1 → 2)'] });
  });
});
