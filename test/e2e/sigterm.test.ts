// SIGTERM to a worker that is training: it checkpoints where it is (not at a checkpoint_every boundary), exits 0
// within seconds, and a new worker finishes the run with the weights of an uninterrupted run; on wasm and on native
// TensorFlow. On a server of its own, so that only this test's workers can take its steps.
import fs from 'node:fs/promises';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import type { RunState } from '../../cli/run-state';
import { readRegistry } from '../../store/checkpoint-registry';
import { checkpointRoot } from '../../store/checkpoints';
import { kiln } from '../helpers/kiln-cli';
import { killAll, startKiln, waitFor, waitForExit, type KilnProcess } from '../helpers/processes';
import { REFERENCE_FILE, referenceModelDigest } from '../helpers/reference-run';
import { watchRuns, type RunWatcher } from '../helpers/run-watch';
import { startTempServer, type TempServer } from '../helpers/temp-server';
import { nativeBackendForTests } from '../unit/bert/native';

const pipeline = 'test/fixtures/pipelines/durability.yaml';
// The pipeline's 80 steps take 0.1–0.2 s each on wasm; native TensorFlow runs them in a few seconds in all, so
// it trains longer there for the signal to land mid-training.
const STEPS: { [backend: string]: number } = { wasm: 80, 'tfjs-node': 400 };
const native = nativeBackendForTests();
const BACKENDS = native.run ? ['wasm', native.name] : ['wasm'];

let server: TempServer;
let env: NodeJS.ProcessEnv;
let watcher: RunWatcher;

beforeAll(async () => {
  server = await startTempServer('kiln-sigterm-', (line) => console.log(`[sigterm] ${line}`));
  env = server.env;
  watcher = await watchRuns(server.info.address);
}, 300_000);

afterAll(async () => {
  await killAll();
  await watcher?.close();
  await server?.stop({ remove: true });
});

for (const backend of BACKENDS) describe(`SIGTERM to a worker training on ${backend}`, () => {
  // So large that the only checkpoint before the end is the one written on shutdown.
  const steps = STEPS[backend]!;
  const backendSets = [`backend=${backend}`, `steps=${steps}`];
  const sets = ['--set', 'checkpoint_every=1000', ...backendSets.flatMap((s) => ['--set', s])];
  let reference: string;
  let runId: string;
  let workerA: KilnProcess;
  let stoppedAt: number;

  beforeAll(async () => {
    // The reference checkpoints every 5 steps: the saved model does not depend on checkpoint_every.
    reference = await referenceModelDigest(pipeline, { env, sets: backendSets, remember: path.join(inject('kilnHome'), REFERENCE_FILE) });
  }, 300_000);

  it('checkpoints at the current step and exits 0 within seconds', async () => {
    const started = await kiln(['run', pipeline, '--no-cache', '--detach', '--json', ...sets], { env });
    expect(started.code, started.stderr).toBe(0);
    runId = (JSON.parse(started.stdout) as { runId: string }).runId;
    workerA = startKiln('worker A', ['worker'], { env });
    const seen = await waitFor(
      'pretrain to reach step 5',
      async () => {
        const p = await watcher.pending(runId, 'pretrain');
        return p?.started && (p.heartbeat?.step ?? 0) >= 5 ? p : undefined;
      },
      { timeoutMs: 180_000, alive: [workerA] },
    );

    workerA.signal('SIGTERM');
    const exit = await waitForExit(workerA, 60_000);
    console.log(`[sigterm] worker exited ${exit.code} ${Math.round(exit.ms)} ms after SIGTERM (seen at step ${seen.heartbeat!.step})`);
    expect(exit.code, workerA.output()).toBe(0);
    expect(exit.ms).toBeLessThan(15_000); // the force time is 120 s

    const dir = checkpointRoot(runId, 'pretrain', server.home);
    const registry = await readRegistry(dir);
    expect(registry.entries).toHaveLength(1);
    stoppedAt = registry.entries![0]!.step;
    expect(stoppedAt).toBeGreaterThanOrEqual(seen.heartbeat!.step);
    expect(stoppedAt).toBeLessThan(steps);
    expect(stoppedAt % 1000).not.toBe(0);
    expect((await fs.readdir(dir)).sort()).toEqual(['metrics.jsonl', 'registry.json', `step-${stoppedAt}`]);
    expect(workerA.output()).toContain(`pretrain: stopped at step ${stoppedAt} (cancelled); checkpoint ${dir}/step-${stoppedAt}`);
    expect(workerA.output()).toContain('worker stopped');
  }, 240_000);

  it('a new worker resumes from that checkpoint and trains the same weights as an uninterrupted run', async () => {
    expect(stoppedAt, 'the previous test must have stopped the training').toBeDefined();
    const workerB = startKiln('worker B', ['worker'], { env });
    await expect
      .poll(async () => (await watcher.state(runId)).status, { timeout: 180_000, interval: 500 })
      .toBe('COMPLETED');
    expect(workerB.output()).toContain(`pretrain: resuming at step ${stoppedAt} of ${steps}`);

    const status = await kiln(['status', runId, '--json'], { env });
    const final = JSON.parse(status.stdout) as RunState;
    const pretrain = final.steps.find((s) => s.id === 'pretrain')!;
    expect(pretrain).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(pretrain.lastFailure).toMatch(/^WorkerShutdown: /);
    expect((pretrain.outputs?.model as { digest: string }).digest).toBe(reference);
    // Gone before the next backend's run: a worker still polling would take its training.
    workerB.signal('SIGTERM');
    await waitForExit(workerB, 60_000);
  }, 240_000);
});
