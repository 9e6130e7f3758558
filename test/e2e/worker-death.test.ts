// Worker death mid-training, end to end: two `kiln worker` processes, the one training is SIGKILLed, the other
// resumes from the newest checkpoint and ends with the very same weights, on wasm and on native TensorFlow. On a
// server of its own, so no other test's worker (they poll the same queues) can take a step of this run, nor this
// test's workers one of theirs.
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { killAll } from '../helpers/processes';
import { REFERENCE_FILE, referenceModelDigest } from '../helpers/reference-run';
import { startTempServer, type TempServer } from '../helpers/temp-server';
import { killTrainingWorker, type WorkerDeathResult } from '../helpers/worker-death';
import { nativeBackendForTests } from '../unit/bert/native';

const pipeline = 'test/fixtures/pipelines/durability.yaml'; // 80 steps, checkpoint_every 5, heartbeat_timeout 5s
const CHECKPOINT_EVERY = 5;
const HEARTBEAT_TIMEOUT_MS = 5_000;

const native = nativeBackendForTests();
const BACKENDS = native.run ? ['wasm', native.name] : ['wasm'];

let server: TempServer;

beforeAll(async () => {
  server = await startTempServer('kiln-worker-death-', (line) => console.log(`[worker-death] ${line}`));
}, 400_000);

afterAll(async () => {
  await killAll();
  await server?.stop({ remove: true });
});

for (const backend of BACKENDS) describe(`a worker killed mid-training on ${backend}`, () => {
  let reference: string;
  let result: WorkerDeathResult;

  beforeAll(async () => {
    const log = (line: string): void => console.log(`[worker-death ${backend}] ${line}`);
    const { env } = server;
    // Native TensorFlow runs the pipeline's 80 steps in a few seconds: it trains longer, so the kill lands mid-training.
    const sets = backend === 'wasm' ? ['backend=wasm'] : [`backend=${backend}`, 'steps=400'];
    reference = await referenceModelDigest(pipeline, { env, sets, remember: path.join(inject('kilnHome'), REFERENCE_FILE) });
    result = await killTrainingWorker({ pipeline, env, sets, address: server.info.address, log });
    log(
      `SIGKILL → attempt 2 started: ${result.retryStartMs} ms; → its first step: ${result.firstStepMs} ms; ` +
        `→ its first heartbeat with progress: ${result.progressMs} ms ` +
        `(heartbeat timeout ${HEARTBEAT_TIMEOUT_MS} ms); steps lost ${result.lastStepBeforeKill - result.resumedFrom}`,
    );
  }, 400_000);

  it('the run completes on the other worker with bit-identical weights', () => {
    expect(result.final.status, JSON.stringify(result.final, null, 2)).toBe('COMPLETED');
    const pretrain = result.final.steps.find((s) => s.id === 'pretrain')!;
    expect((pretrain.outputs?.model as { digest: string }).digest).toBe(reference);
  });

  it('only training was retried: pretrain ran twice, the steps before it once', () => {
    const attempts = Object.fromEntries(result.final.steps.map((s) => [s.id, [s.status, s.attempts, s.cached]]));
    expect(attempts).toEqual({
      corpus: ['succeeded', 1, false],
      tokenizer: ['succeeded', 1, false],
      'pretraining-data': ['succeeded', 1, false],
      pretrain: ['succeeded', 2, false],
    });
    expect(result.outputs.workerA).toContain('pretrain: checkpoint at step');
    expect(result.outputs.workerB).not.toContain('corpus: corpus sha256'); // B never redid an earlier step
  });

  it('attempt 2 resumed from the newest checkpoint, redoing at most checkpoint_every steps', () => {
    expect(result.newestCheckpoint).not.toBeNull();
    expect(result.resumedFrom).toBe(result.newestCheckpoint);
    expect(result.resumedFrom).toBeGreaterThanOrEqual(10);
    expect(result.resumedFrom % CHECKPOINT_EVERY).toBe(0);
    // Steps A finished that B had to redo; at most checkpoint_every when A died while saving a checkpoint.
    const lost = result.lastStepBeforeKill - result.resumedFrom;
    expect(lost).toBeGreaterThanOrEqual(0);
    expect(lost).toBeLessThanOrEqual(CHECKPOINT_EVERY);
    expect(result.lastSeenStep - result.resumedFrom).toBeLessThanOrEqual(CHECKPOINT_EVERY);
  });

  it('training progress resumed within the heartbeat timeout plus a generous margin', () => {
    expect(result.retryStartMs).toBeGreaterThan(0);
    expect(result.firstStepMs).toBeGreaterThan(result.retryStartMs);
    expect(result.progressMs).toBeGreaterThan(result.retryStartMs);
    expect(result.progressMs).toBeLessThan(HEARTBEAT_TIMEOUT_MS + 25_000); // target (bench): timeout + 5 s
  });
});
