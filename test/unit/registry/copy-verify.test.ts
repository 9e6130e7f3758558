// Defect: registered copies under models/ were never verified, so an edited weights.bin was served under the
// registered digest and `kiln store verify` said ok.
import fs from 'node:fs/promises';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ModelPool } from '../../../serve/model-pool';
import type { LoadModel } from '../../../serve/types';
import { ModelRegistry } from '../../../store/registry';
import { repairStore } from '../../../store/repair';
import type { ArtifactRef } from '../../../store/types';
import { verifyStore } from '../../../store/verify';
import { tempHome, type TempHome } from '../store/helpers';

let t: TempHome;
let registry: ModelRegistry;
let model: ArtifactRef;
let copy: string;

/** A model artifact in the store, registered as sentiment:1 the way model/deploy@v1 does it. */
beforeEach(async () => {
  t = await tempHome();
  registry = new ModelRegistry(path.join(t.home, 'models'));
  const dir = path.join(await t.store.stagingDir('test'), 'model');
  await fs.mkdir(dir);
  await fs.writeFile(path.join(dir, 'weights.bin'), Buffer.from(new Float32Array([0.25, -1.5, 3]).buffer));
  await fs.writeFile(path.join(dir, 'config.json'), '{"format":"kiln/bert-classifier@1"}');
  model = await t.store.putDirectory(dir, { kind: 'model' });
  const lineage = { workflowId: 'wf', runId: 'run', step: 'deploy' };
  const source = { uri: model.uri, meta: {} };
  copy = (await registry.register('sentiment', t.store.pathOf(model), { kind: 'classifier', digest: model.digest, source, lineage, metrics: null })).dir;
});
afterEach(async () => {
  await t.remove();
});

/** Edit one float of the copy's weights, as the issue did. */
async function editWeights(): Promise<void> {
  const file = path.join(copy, 'weights.bin');
  const floats = new Float32Array((await fs.readFile(file)).buffer.slice(0));
  floats[1] = 1.5;
  await fs.writeFile(file, Buffer.from(floats.buffer));
}

const loader: LoadModel = async (dir, kind) => ({ kind, labels: [dir], dispose: () => undefined });

describe('registered model copies', () => {
  it('kiln store verify reports an edited copy, and --repair restores it from the store', async () => {
    expect((await verifyStore({ home: t.home })).models).toEqual({ count: 1, bytes: expect.any(Number), problems: 0 });
    await editWeights();
    const report = await verifyStore({ home: t.home });
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      {
        kind: 'corrupt-model-version',
        severity: 'corrupt',
        path: copy,
        message: expect.stringMatching(new RegExp(`^its files hash to sha256:[0-9a-f]{64}, not the ${model.digest} registered for sentiment:1; --repair restores it from the store$`)),
        restoreFrom: t.store.pathOf(model),
      },
    ]);
    expect((await repairStore(report)).models).toEqual([copy]);
    expect((await verifyStore({ home: t.home })).ok).toBe(true);
    expect(JSON.parse(await fs.readFile(path.join(copy, 'registry.json'), 'utf8'))).toMatchObject({ name: 'sentiment', version: 1 });
  });

  it('kiln serve refuses to load an edited copy, with the registered digest and how to fix it', async () => {
    await editWeights();
    const pool = new ModelPool(registry, loader, { maxBatch: 4, maxWaitMs: 1 });
    const error = await pool.model(await pool.resolve({ name: 'sentiment', version: 1 })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ModelLoadError' });
    expect((error as Error).message).toMatch(new RegExp(`^cannot load sentiment:1: the registered copy in ${copy} was changed after registration: its files hash to sha256:[0-9a-f]{64}, not the ${model.digest} registered for sentiment:1$`));
    expect((error as { hint?: string }).hint).toMatch(/^`kiln store verify --repair` restores it from the store/);
  });

  it('deploying the same artifact again restores the copy; an intact copy loads', async () => {
    await editWeights();
    const again = await registry.register('sentiment', t.store.pathOf(model), { kind: 'classifier', digest: model.digest, source: { uri: model.uri, meta: {} }, lineage: { workflowId: 'wf2', runId: 'r', step: 'deploy' }, metrics: null });
    expect(again).toMatchObject({ reused: true, dir: copy });
    expect(await fs.readFile(path.join(copy, 'weights.bin'))).toEqual(await fs.readFile(path.join(t.store.pathOf(model), 'weights.bin')));
    const pool = new ModelPool(registry, loader, { maxBatch: 4, maxWaitMs: 1 });
    await expect(pool.model(await pool.resolve({ name: 'sentiment', version: 1 }))).resolves.toBeDefined();
  });
});
