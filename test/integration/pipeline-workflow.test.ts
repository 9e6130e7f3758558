import { randomBytes } from 'node:crypto';

import fs from 'node:fs/promises';
import path from 'node:path';

import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import proto from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { readRunState } from '../../cli/run-state';
import { startPipelineRun } from '../../cli/start-run';
import { createWorkerPool, type WorkerPool } from '../../worker/main';
import { fakePlan, fakeStep, ref } from '../helpers/fake-plan';
import { fakeSteps, type FakeStepLog } from '../helpers/fake-steps';

// The interpreter against a real dev server, with fast fake step types and queues of this file's own.
const suffix = randomBytes(4).toString('hex');
const cpuQueue = `test-cpu-${suffix}`;
const gpuQueue = `test-gpu-${suffix}`;
const log: FakeStepLog = { events: [] };
let connection: Connection;
let client: Client;
let pool: WorkerPool;
let running: Promise<void>;

beforeAll(async () => {
  const address = inject('temporalAddress');
  connection = await Connection.connect({ address });
  client = new Client({ connection });
  pool = await createWorkerPool({ address, namespace: 'default', queues: [cpuQueue, gpuQueue], extraActivities: fakeSteps(log), maxConcurrentActivities: 4 });
  running = pool.run();
});

afterAll(async () => {
  pool?.shutdown();
  await running;
  await connection?.close();
});

const start = (plan: ReturnType<typeof fakePlan>) => startPipelineRun(client, plan, { taskQueue: cpuQueue });
/** KILN_RECORD_HISTORIES=1 saves each run's history as a replay fixture (test/integration/replay.test.ts). */
async function record(name: string, runId: string): Promise<void> {
  if (!process.env.KILN_RECORD_HISTORIES) return;
  const history = await client.workflow.getHandle(runId).fetchHistory();
  const bytes = proto.temporal.api.history.v1.History.encode(history).finish();
  await fs.writeFile(path.join(__dirname, '../fixtures/histories', `${name}.bin`), bytes);
}
const eventsOf = (step: string, runStart: number) => log.events.filter((e) => e.step === step && e.at >= runStart);

describe('pipelineWorkflow', () => {
  it('runs a diamond in dependency order, siblings in parallel, passing outputs along', async () => {
    const t0 = Date.now();
    const plan = fakePlan('diamond', [
      fakeStep('a', 'test/echo@v1', { value: 'A' }, cpuQueue),
      fakeStep('b', 'test/echo@v1', { value: ref('a'), ms: 1500 }, cpuQueue, { dependsOn: ['a'] }),
      fakeStep('c', 'test/echo@v1', { value: { $template: ['got ', ref('a'), '!'] }, ms: 1500 }, gpuQueue, { dependsOn: ['a'] }),
      fakeStep('d', 'test/echo@v1', { value: [ref('b'), ref('c')] }, cpuQueue, { dependsOn: ['b', 'c'] }),
    ]);
    const runId = await start(plan);
    const result = await client.workflow.getHandle(runId).result();
    expect(result.status).toBe('succeeded');
    expect(result.steps.map((s: { status: string }) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    expect(result.steps[3].outputs).toEqual({ value: ['A', 'got A!'] });

    const [b, c] = [eventsOf('b', t0), eventsOf('c', t0)];
    // b and c overlap: each started before the other ended.
    expect(b[0]!.at).toBeLessThan(c[1]!.at);
    expect(c[0]!.at).toBeLessThan(b[1]!.at);
    expect(eventsOf('a', t0)[1]!.at).toBeLessThanOrEqual(Math.min(b[0]!.at, c[0]!.at));
    expect(c[0]!.queue).toBe(gpuQueue);
    expect(b[0]!.queue).toBe(cpuQueue);

    const description = await client.workflow.getHandle(runId).describe();
    expect(description.typedSearchAttributes.getAll().find((p) => p.key.name === 'KilnStatus')?.value).toBe('succeeded');
    expect(description.typedSearchAttributes.getAll().find((p) => p.key.name === 'KilnPipeline')?.value).toBe('diamond');

    const state = await readRunState(client, runId);
    expect(state.status).toBe('COMPLETED');
    expect(state.steps.map((s) => [s.id, s.status, s.attempts])).toEqual([
      ['a', 'succeeded', 1],
      ['b', 'succeeded', 1],
      ['c', 'succeeded', 1],
      ['d', 'succeeded', 1],
    ]);
    expect(state.steps[2]!.taskQueue).toBe(gpuQueue);
    await record('diamond', runId);
  });

  it('sets the search attributes a step names, and only the ones kiln declares', async () => {
    const plan = fakePlan('labels', [fakeStep('deploy', 'test/label@v1', { labels: { KilnModel: 'sentiment:3', NotOurs: 'x' } }, cpuQueue)]);
    const runId = await start(plan);
    expect((await client.workflow.getHandle(runId).result()).status).toBe('succeeded');
    const attributes = (await client.workflow.getHandle(runId).describe()).typedSearchAttributes.getAll();
    expect(attributes.find((p) => p.key.name === 'KilnModel')?.value).toBe('sentiment:3');
    expect(attributes.find((p) => p.key.name === 'NotOurs')).toBeUndefined();
  });

  it('fails the run naming the step, cancels running siblings and skips the rest', async () => {
    const t0 = Date.now();
    const plan = fakePlan('failing', [
      fakeStep('bad', 'test/reject@v1', { value: 7, ms: 700 }, cpuQueue),
      fakeStep('long', 'test/forever@v1', {}, cpuQueue),
      fakeStep('after', 'test/echo@v1', { value: ref('bad') }, cpuQueue, { dependsOn: ['bad'] }),
    ]);
    const runId = await start(plan);
    const error = await client.workflow.getHandle(runId).result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const message = String((error as WorkflowFailedError).cause?.message);
    expect(message).toContain('step "bad" (test/reject@v1) failed after 1 attempt(s): InvalidInput: bad value 7');
    expect(message).toContain('cancelled: long');
    expect(eventsOf('long', t0).map((e) => e.event)).toEqual(['start', 'cancelled']);
    expect(eventsOf('bad', t0)).toHaveLength(1); // non-retryable: one attempt only
    expect(eventsOf('after', t0)).toHaveLength(0);

    const state = await readRunState(client, runId);
    expect(state.status).toBe('FAILED');
    expect(Object.fromEntries(state.steps.map((s) => [s.id, s.status]))).toEqual({ bad: 'failed', long: 'cancelled', after: 'pending' });
    expect(state.steps[0]!.error).toContain('InvalidInput: bad value 7');
    await record('failing', runId);
  });

  it('retries transient failures with the step retry policy', async () => {
    const plan = fakePlan('flaky', [fakeStep('f', 'test/flaky@v1', { succeed_on: 3 }, cpuQueue)]);
    const runId = await start(plan);
    const result = await client.workflow.getHandle(runId).result();
    expect(result.steps[0].outputs).toEqual({ value: 3 });
    expect(result.steps[0].attempt).toBe(3);
    const state = await readRunState(client, runId);
    expect(state.steps[0]!.attempts).toBe(3);
    await record('flaky', runId);
  });

  it('ends a run after max attempts with the last error', async () => {
    const plan = fakePlan('exhausted', [fakeStep('f', 'test/flaky@v1', { succeed_on: 99 }, cpuQueue)]);
    const runId = await start(plan);
    const error = (await client.workflow.getHandle(runId).result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect(String(error.cause?.message)).toContain('step "f" (test/flaky@v1) failed after 3 attempt(s): Error: transient failure 3');
  });

  it('summarises a step that timed out on every attempt with its attempts, its timeout and its last progress', async () => {
    const stall = fakeStep('fetch', 'test/stall@v1', { url: 'https://example.org/corpus.txt' }, cpuQueue);
    stall.options = { ...stall.options, startToCloseTimeoutMs: 1_000, retry: { ...stall.options.retry, maxAttempts: 3 } };
    const runId = await start(fakePlan('stalled', [stall]));
    const error = (await client.workflow.getHandle(runId).result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect(String(error.cause?.message)).toBe(
      'step "fetch" (test/stall@v1) failed after 3 attempt(s): Timeout: hit its timeout of 1s on every attempt; ' +
        'its last progress: {"url":"https://example.org/corpus.txt","bytes":3072}',
    );
    const state = await readRunState(client, runId);
    expect(state.steps[0]!.attempts).toBe(3);
  });

  it('answers the progress query while running and can be cancelled', async () => {
    const t0 = Date.now();
    const plan = fakePlan('cancelled', [
      fakeStep('spin', 'test/forever@v1', {}, cpuQueue),
      fakeStep('next', 'test/echo@v1', {}, cpuQueue, { dependsOn: ['spin'] }),
    ]);
    const runId = await start(plan);
    const handle = client.workflow.getHandle(runId);
    await expect.poll(async () => (await handle.query<{ steps: Array<{ status: string }> }>('progress')).steps[0]!.status, { timeout: 10_000 }).toBe('running');
    await expect.poll(async () => (await readRunState(client, runId)).steps[0]!.heartbeat, { timeout: 10_000 }).toEqual({ step: 'spin' });
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();
    const state = await readRunState(client, runId);
    expect(state.status).toBe('CANCELLED');
    expect(state.steps.map((s) => s.status)).toEqual(['cancelled', 'pending']);
    expect(eventsOf('spin', t0).map((e) => e.event)).toEqual(['start', 'cancelled']);
    const description = await handle.describe();
    expect(description.typedSearchAttributes.getAll().find((p) => p.key.name === 'KilnStatus')?.value).toBe('cancelled');
    await record('cancelled', runId);
  });
});
