// The step wrapper's failure classification, through createActivities and MockActivityEnvironment, with fake step
// types that fail the way real ones do: out of memory, a dying training thread, a full disk, a network hiccup.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { activityDeps, type StepActivity } from '../../../activities/deps';
import { invalidInput } from '../../../activities/failures';
import { createActivities } from '../../../activities/index';
import { defineStep } from '../../../activities/step';
import type { StepInput } from '../../../compiler/types';
import { TrainingThreadError } from '../../../nlp/training/thread-messages';

let tmp: string;
let activities: Record<string, StepActivity>;

const coded = (message: string, code: string, name = 'Error') => Object.assign(new Error(message), { code, name });

/** One fake step type per failure, each throwing what Node, the wasm backend or the training runner throw. */
const FAILURES: Record<string, () => unknown> = {
  'test/array-buffer@v1': () => new RangeError('Array buffer allocation failed'),
  'test/worker-oom@v1': () => coded('Worker terminated due to reaching memory limit: JS heap out of memory', 'ERR_WORKER_OUT_OF_MEMORY'),
  'test/wasm-oob@v1': () => Object.assign(new Error('memory access out of bounds'), { name: 'RuntimeError' }),
  'test/wasm-abort@v1': () => new Error('Aborted(OOM). Build with -sASSERTIONS for more info.'),
  'test/thread-oom@v1': () =>
    new TrainingThreadError({ kind: 'Error', name: 'Error', message: 'training thread crashed: Error [ERR_WORKER_OUT_OF_MEMORY]: Worker terminated due to reaching memory limit: JS heap out of memory' }),
  'test/thread-exit@v1': () => new TrainingThreadError({ kind: 'Error', name: 'Error', message: 'training thread exited with code 134 before finishing' }),
  'test/enospc@v1': () => coded("ENOSPC: no space left on device, write '/k/store/tmp/x'", 'ENOSPC'),
  'test/reset@v1': () => new TypeError('fetch failed', { cause: coded('read ECONNRESET', 'ECONNRESET') }),
  'test/dns@v1': () => coded('getaddrinfo EAI_AGAIN example.org', 'EAI_AGAIN'),
  'test/timeout@v1': () => coded('connect ETIMEDOUT 10.0.0.1:443', 'ETIMEDOUT'),
  'test/plain@v1': () => new Error('something else'),
  'test/invalid@v1': () => invalidInput('steps.x.with.n: must be >= 1', 'set n to 1 or more'),
};

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-failures-'));
  const fakes = Object.fromEntries(
    Object.entries(FAILURES).map(([type, make]) => [
      type,
      defineStep(async () => {
        throw make();
      }),
    ]),
  );
  activities = createActivities(activityDeps(tmp), fakes);
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const input: StepInput = { runId: 'r', workflowId: 'quickstart-abc123', pipeline: 'quickstart', stepId: 'pretrain', cache: false, resumedFrom: [], baseDir: '/tmp', inputs: {} };

async function failure(type: string, attempt = 3): Promise<ApplicationFailure> {
  const env = new MockActivityEnvironment({ attempt }, { logger: new DefaultLogger('ERROR') });
  const error = await env.run(activities[type]!, input).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  const f = error as ApplicationFailure;
  expect(f.details).toEqual([{ attempt }]);
  return f;
}

describe('the step wrapper classifies failures', () => {
  it.each([
    ['test/array-buffer@v1', 'out of memory (RangeError: Array buffer allocation failed)'],
    ['test/worker-oom@v1', 'out of memory (Worker terminated due to reaching memory limit: JS heap out of memory)'],
    ['test/wasm-oob@v1', 'out of memory (RuntimeError: memory access out of bounds)'],
    ['test/wasm-abort@v1', 'out of memory (Aborted(OOM). Build with -sASSERTIONS for more info.)'],
    ['test/thread-oom@v1', 'out of memory (training thread crashed: Error [ERR_WORKER_OUT_OF_MEMORY]: Worker terminated due to reaching memory limit: JS heap out of memory)'],
  ])('%s → OutOfMemory, retryable, with the step, attempt and a hint', async (type, what) => {
    const f = await failure(type);
    expect(f.type).toBe('OutOfMemory');
    expect(f.nonRetryable).toBe(false);
    expect(f.message).toBe(
      `step "pretrain" attempt 3: ${what}\n` +
        'hint: lower with.batch_size, or use a smaller model (hidden_size, num_layers, max_seq_length); a worker with more memory may succeed on a retry',
    );
  });

  it('a training thread that exits → TrainingCrashed, retryable', async () => {
    const f = await failure('test/thread-exit@v1', 2);
    expect(f.type).toBe('TrainingCrashed');
    expect(f.nonRetryable).toBe(false);
    expect(f.message).toMatch(/^step "pretrain" attempt 2: the training process crashed \(training thread exited with code 134 before finishing\)\nhint: a retry resumes from the newest checkpoint/);
  });

  it('ENOSPC → DiskFull, not retried, with how to free space and resume', async () => {
    const f = await failure('test/enospc@v1', 1);
    expect(f.type).toBe('DiskFull');
    expect(f.nonRetryable).toBe(true);
    expect(f.message.split('\n')[0]).toBe(`step "pretrain" attempt 1: the disk is full (ENOSPC: no space left on device, write '/k/store/tmp/x')`);
    expect(f.message).toMatch(/\nhint: free space on the disk of .*`kiln store gc --keep-runs 5`.*then `kiln resume quickstart-abc123`$/);
    expect(f.message).toContain(`free space on the disk of ${tmp} (`);
  });

  it.each([
    ['test/reset@v1', 'ECONNRESET', 'TypeError: fetch failed'],
    ['test/dns@v1', 'EAI_AGAIN', 'getaddrinfo EAI_AGAIN example.org'],
    ['test/timeout@v1', 'ETIMEDOUT', 'connect ETIMEDOUT 10.0.0.1:443'],
  ])('%s → TransientIO, retryable (the code may hide in the cause)', async (type, code, original) => {
    const f = await failure(type);
    expect(f.type).toBe('TransientIO');
    expect(f.nonRetryable).toBe(false);
    expect(f.message).toBe(`step "pretrain" attempt 3: transient I/O error ${code} (${original})`);
  });

  it('leaves other errors as they were: class name as type, message, retryable', async () => {
    const f = await failure('test/plain@v1');
    expect([f.type, f.message, f.nonRetryable]).toEqual(['Error', 'something else', false]);
  });

  it('passes user errors through with their type, non-retryable', async () => {
    const f = await failure('test/invalid@v1', 1);
    expect([f.type, f.nonRetryable]).toEqual(['InvalidInput', true]);
    expect(f.message).toBe('steps.x.with.n: must be >= 1\nhint: set n to 1 or more');
  });
});
