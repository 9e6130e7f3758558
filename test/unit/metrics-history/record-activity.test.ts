// metrics/record@v1 under MockActivityEnvironment: records each run, gates on the best earlier value (GateFailed
// after the record is kept), records a retried attempt once, and refuses inputs it cannot check.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { activityDeps } from '../../../activities/deps';
import { metricsRecord } from '../../../activities/metrics-record';
import type { Json } from '../../../contract/json';
import type { StepResult } from '../../../compiler/types';
import { MetricsHistory } from '../../../store/metrics-history';

let tmp: string;
let history: MetricsHistory;
const logs: string[] = [];
const model = { name: 'sentiment', version: 2, alias: 'production', digest: 'sha256:0f' };

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-metrics-record-'));
  history = new MetricsHistory(path.join(tmp, 'metrics'));
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

function record(workflowId: string, inputs: { [key: string]: Json }, day: number, attempt = 1): Promise<StepResult> {
  const env = new MockActivityEnvironment({ attempt }, { logger: new DefaultLogger('ERROR') });
  const deps = activityDeps(tmp, { log: (m) => logs.push(m), clock: () => new Date(Date.UTC(2025, 0, day, 3)) });
  const input = { runId: 'r', workflowId, pipeline: 'nightly-eval', stepId: 'record', cache: false, resumedFrom: [], baseDir: tmp, inputs };
  return env.run(metricsRecord(deps), input);
}

async function failure(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

const inputs = (accuracy: number, loss = 0.5): { [key: string]: Json } => ({
  name: 'nightly',
  metrics: { accuracy, macro_f1: accuracy - 0.01, loss, latency_ms: 3.2, examples: 300 },
  model,
  max_drop: { accuracy: 0.02, loss: 0.1 },
  higher_is_better: {},
});

describe('metrics/record@v1', () => {
  it('records each run with time, run, step and model, and compares it with the best before', async () => {
    const first = await record('nightly-eval-1', inputs(0.76), 1);
    expect(first.outputs.record).toMatchObject({
      at: '2025-01-01T03:00:00.000Z',
      run: 'nightly-eval-1',
      step: 'record',
      model,
      metrics: { accuracy: 0.76 },
      appended: true,
      comparison: { accuracy: { value: 0.76, best: null, drop: null, max_drop: 0.02, passed: true } },
    });
    const second = await record('nightly-eval-2', inputs(0.745, 0.58), 2);
    expect(second.outputs.record).toMatchObject({
      comparison: {
        accuracy: { best: { value: 0.76, run: 'nightly-eval-1' }, previous: 0.76, drop: 0.015, passed: true },
        loss: { higher_is_better: false, drop: 0.08, passed: true },
        macro_f1: { max_drop: null, passed: true },
      },
    });
    expect((await history.read('nightly')).map((r) => r.run)).toEqual(['nightly-eval-1', 'nightly-eval-2']);
  });

  it('fails with GateFailed naming the metric, the drop and the best, after appending the bad night', async () => {
    const error = await failure(record('nightly-eval-3', inputs(0.71, 0.52), 3));
    expect(error.type).toBe('GateFailed');
    expect(error.nonRetryable).toBe(true);
    expect(error.message).toBe(
      'steps.record: accuracy 0.71 is 0.05 below the best recorded 0.76 (run nightly-eval-1 at 2025-01-01T03:00:00.000Z); allowed drop 0.02\n' +
        `hint: this run's metrics were recorded in ${history.fileOf('nightly')}; see the trend with \`kiln metrics history nightly\`. If the drop is expected, raise with.max_drop or start a new history name`,
    );
    const records = await history.read('nightly');
    expect(records).toHaveLength(3);
    expect(records[2]).toEqual({ at: '2025-01-03T03:00:00.000Z', run: 'nightly-eval-3', step: 'record', model, metrics: inputs(0.71, 0.52).metrics });
  });

  it('a retried attempt of the same run and step neither appends again nor changes its verdict', async () => {
    const again = await failure(record('nightly-eval-3', inputs(0.9), 9, 2));
    expect(again.message).toContain('accuracy 0.71 is 0.05 below the best recorded 0.76');
    expect(await history.read('nightly')).toHaveLength(3);
    const passedAgain = await record('nightly-eval-2', inputs(0.1), 9, 2);
    expect(passedAgain.outputs.record).toMatchObject({ at: '2025-01-02T03:00:00.000Z', appended: false, metrics: { accuracy: 0.745 } });
    expect(logs.at(-1)).toContain('record: already recorded in');
  });

  it('names every metric that dropped too far, with lower-is-better ones as "above"', async () => {
    const error = await failure(record('nightly-eval-4', inputs(0.7, 0.9), 4));
    expect(error.message.split('\n')[0]).toBe(
      'steps.record: accuracy 0.7 is 0.06 below the best recorded 0.76 (run nightly-eval-1 at 2025-01-01T03:00:00.000Z); allowed drop 0.02; ' +
        'loss 0.9 is 0.4 above the best recorded 0.5 (lower is better; run nightly-eval-1 at 2025-01-01T03:00:00.000Z); allowed drop 0.1',
    );
  });

  it('refuses a max_drop for a metric that is not recorded, and metrics that are not numbers, before writing', async () => {
    const unknown = await failure(record('nightly-eval-5', { ...inputs(0.8), max_drop: { acuracy: 0.02 } }, 5));
    expect(unknown.type).toBe('InvalidInput');
    expect(unknown.message).toBe(
      'steps.record.with.max_drop.acuracy: "acuracy" is not a key of metrics (did you mean "accuracy"?)\n' +
        'hint: metrics has accuracy, macro_f1, loss, latency_ms, examples; max_drop bounds metrics that are recorded',
    );
    const text = await failure(record('nightly-eval-5', { ...inputs(0.8), metrics: { accuracy: '0.8' } }, 5));
    expect(text.message.split('\n')[0]).toBe('steps.record.with.metrics.accuracy: must be a number (got "0.8")');
    expect((await history.read('nightly')).map((r) => r.run)).not.toContain('nightly-eval-5');
  });

  it('refuses to record into a history with a corrupt line, naming file and line', async () => {
    await fs.appendFile(history.fileOf('nightly'), 'not json\n');
    const error = await failure(record('nightly-eval-6', inputs(0.8), 6));
    expect(error.type).toBe('InvalidInput');
    expect(error.message.split('\n')[0]).toMatch(/^steps\.record: .*nightly\.jsonl:5: not a JSON line/);
  });
});
