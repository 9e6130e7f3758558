// Scale-out with no shared disk: three "hosts" (separate KILN_HOMEs, each its own worker process) share only a
// Temporal server and an S3 endpoint (versitygw on 127.0.0.1). Host A runs the CPU steps (before the training and the
// evaluation after it), host B the GPU-queue pretraining; B is SIGKILLed mid-training and host C resumes from the checkpoint B left in S3, to the weights an
// uninterrupted run trains, bit for bit. Run again from host B, the pipeline is a cache hit at every step.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import type { RunState } from '../../cli/run-state';
import { kiln } from '../helpers/kiln-cli';
import { killAll, startKiln, tail, waitFor, waitForOutput, type KilnProcess } from '../helpers/processes';
import { REFERENCE_FILE, referenceModelDigest } from '../helpers/reference-run';
import { watchRuns, type PendingStep, type RunWatcher } from '../helpers/run-watch';
import { startS3Server, type S3Server } from '../helpers/s3-server';
import { startTempServer, type TempServer } from '../helpers/temp-server';

// durability.yaml's chain (80 training steps, checkpoint_every 5, heartbeat_timeout 5s) and an evaluation after it
const pipeline = 'test/fixtures/pipelines/shared-store.yaml';
const sets = ['backend=wasm'];
const TIMEOUT_MS = 240_000;

let server: TempServer;
let s3: S3Server;
let tmp: string;
let watcher: RunWatcher;

/** A host: its own KILN_HOME, and only the Temporal address and the S3 store in common with the others. */
function host(name: string): NodeJS.ProcessEnv {
  return {
    ...server.env,
    ...s3.env,
    KILN_HOME: path.join(tmp, name),
    TEMPORAL_ADDRESS: server.info.address,
    KILN_STORE: `s3://${s3.bucket}/shared-store-test`,
  };
}

beforeAll(async () => {
  server = await startTempServer('kiln-shared-store-', (line) => console.log(`[shared-store] ${line}`));
  s3 = await startS3Server();
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-hosts-'));
  watcher = await watchRuns(server.info.address);
}, 600_000);

afterAll(async () => {
  await killAll();
  await watcher?.close();
  await s3?.stop();
  await server?.stop({ remove: true });
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

describe('three hosts sharing only Temporal and S3', () => {
  let reference: string;
  let runId: string;
  let final: RunState;
  let hostA: KilnProcess;
  let hostB: KilnProcess;
  let hostC: KilnProcess;

  beforeAll(async () => {
    reference = await referenceModelDigest(pipeline, { env: server.env, sets, remember: path.join(inject('kilnHome'), REFERENCE_FILE) });
    const started = await kiln(['run', pipeline, '--no-cache', '--detach', '--json', ...sets.flatMap((s) => ['--set', s])], { env: host('a') });
    expect(started.code, started.stderr).toBe(0);
    runId = (JSON.parse(started.stdout) as { runId: string }).runId;

    hostA = startKiln('host A', ['worker', '--queue', 'kiln'], { env: host('a') });
    hostB = startKiln('host B', ['worker', '--queue', 'kiln-gpu'], { env: host('b') });
    let seen: PendingStep | undefined;
    await waitFor(
      'a checkpoint at step >= 10 from host B',
      async () => {
        const p = await watcher.pending(runId, 'pretrain');
        if (p?.started && p.heartbeat) seen = p;
        return (seen?.heartbeat?.checkpoint?.step ?? 0) >= 10;
      },
      { timeoutMs: TIMEOUT_MS, alive: [hostA, hostB] },
    );
    hostC = startKiln('host C', ['worker', '--queue', 'kiln-gpu'], { env: host('c') });
    await waitForOutput(hostC, /worker polling/, 60_000);
    await hostB.kill();
    // Host B is gone with its disk: its checkpoints are reachable only through S3 (its heartbeat names a path there).
    await fs.rm(path.join(tmp, 'b'), { recursive: true, force: true });
    final = await waitFor(
      `run ${runId} to end`,
      async () => {
        const state = await watcher.state(runId);
        return state.status !== 'RUNNING' ? state : undefined;
      },
      { timeoutMs: TIMEOUT_MS, alive: [hostA, hostC] },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\nhost C:\n${tail(hostC)}\nhost A:\n${tail(hostA)}`);
    });
  }, 900_000);

  it('each worker checks the store at start and says which one it uses', () => {
    for (const worker of [hostA, hostC]) expect(worker.output()).toMatch(/store: s3:\/\/.*shared-store-test at http:\/\/127\.0\.0\.1:\d+/);
  });

  it('host C resumed pretraining from the checkpoint host B left in S3, to bit-identical weights', async () => {
    expect(final.status, JSON.stringify(final, null, 2)).toBe('COMPLETED');
    const resumed = /pretrain: resuming at step (\d+) of/.exec(hostC.output());
    expect(resumed, tail(hostC)).not.toBeNull();
    expect(Number(resumed![1])).toBeGreaterThanOrEqual(10);
    const pretrain = final.steps.find((s) => s.id === 'pretrain')!;
    expect(pretrain.attempts).toBe(2);
    expect((pretrain.outputs?.model as { digest: string }).digest).toBe(reference);
    // Host A never trained, but evaluated the model host C trained; host C's checkpoints came from S3 (host B's disk
    // was deleted when it died).
    expect(hostA.output()).not.toContain('pretrain:');
    expect(final.steps.find((s) => s.id === 'evaluate')).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(hostA.output()).toContain('evaluate: ');
    expect(hostC.output()).not.toContain('evaluate:');
    const pulled = await fs.readdir(path.join(tmp, 'c', 'checkpoints'), { recursive: true });
    expect(pulled.some((p) => /step-\d+$/.test(p))).toBe(true);
  });

  it('kiln status and kiln report name where each artifact is in the store', async () => {
    const status = await kiln(['status', runId, '--json'], { env: host('a') });
    expect(status.code, status.stderr).toBe(0);
    const json = JSON.parse(status.stdout) as { store: string; locations: Record<string, Record<string, string | null>> };
    expect(json.store).toBe(`s3://${s3.bucket}/shared-store-test`);
    const model = (final.steps.find((s) => s.id === 'pretrain')!.outputs!.model as { digest: string }).digest.slice('sha256:'.length);
    expect(json.locations.pretrain!.model).toBe(`s3://${s3.bucket}/shared-store-test/artifacts/dirs/sha256/${model}.json`);
    expect(json.locations.corpus!.corpus).toMatch(new RegExp(`^s3://${s3.bucket}/shared-store-test/artifacts/files/sha256/[0-9a-f]{64}$`));
    const out = path.join(tmp, 'report');
    const report = await kiln(['report', runId, '--out', out], { env: host('c') });
    expect(report.code, report.stderr).toBe(0);
    const html = await fs.readFile(path.join(out, (await fs.readdir(out)).find((f) => f.endsWith('.html'))!), 'utf8');
    expect(html).toContain(`s3://${s3.bucket}/shared-store-test/artifacts/dirs/sha256/${model}.json`);
  });

  it('run again from host B (a fresh disk, no worker there now), every step is a cache hit', async () => {
    const again = await kiln(['run', pipeline, '--json', ...sets.flatMap((s) => ['--set', s])], { env: host('b'), timeoutMs: TIMEOUT_MS });
    expect(again.code, again.stderr).toBe(0);
    const state = JSON.parse(again.stdout) as RunState;
    expect(state.steps.map((s) => [s.id, s.cached])).toEqual(final.steps.map((s) => [s.id, true]));
  }, 300_000);
});
