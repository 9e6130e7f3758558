// Sweeps on the real dev server: a 2×2 grid whose shared upstream steps run once (cache hits in the other runs), one
// evaluation per run, `kiln list --sweep`, `kiln compare SWEEP`; a failing combination without fail_fast (the other
// runs go on) and with it (the rest are skipped); a sweep cancelled mid-training and resumed; the JSON scripts rely on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { kiln } from '../helpers/kiln-cli';
import { killAll, startKiln, waitFor } from '../helpers/processes';
import { startTempServer, type TempServer } from '../helpers/temp-server';

interface SweepJson {
  sweepId: string;
  status: string;
  runs: Array<{ runId: string; params: Record<string, unknown>; status: string }>;
}

interface StatusJson {
  status: string;
  steps: Array<{ id: string; status: string; cached: boolean }>;
}

async function statusOf(runId: string): Promise<StatusJson> {
  const status = await kiln(['status', runId, '--json']);
  expect(status.code, status.stderr).toBe(0);
  return JSON.parse(status.stdout) as StatusJson;
}

describe('kiln run of a pipeline with a matrix', () => {
  it('runs the 2×2 grid as one sweep: shared steps once, every run evaluated, its runs listed with their params', async () => {
    const run = await kiln(['run', 'test/fixtures/pipelines/sweep-tiny.yaml', '--json'], { timeoutMs: 600_000 });
    expect(run.code, run.stderr).toBe(0);
    const sweep = JSON.parse(run.stdout) as SweepJson;
    expect(sweep.sweepId).toMatch(/^sweep-tiny-sweep-[0-9a-z]{8}$/);
    expect(sweep.status).toBe('COMPLETED');
    expect(sweep.runs.map((r) => [r.params, r.status])).toEqual([
      [{ steps: 3, learning_rate: 0.001 }, 'succeeded'],
      [{ steps: 3, learning_rate: 0.0005 }, 'succeeded'],
      [{ steps: 6, learning_rate: 0.001 }, 'succeeded'],
      [{ steps: 6, learning_rate: 0.0005 }, 'succeeded'],
    ]);
    const states = await Promise.all(sweep.runs.map((r) => statusOf(r.runId)));
    for (const shared of ['corpus', 'tokenizer', 'pretraining-data']) {
      const cached = states.map((s) => s.steps.find((step) => step.id === shared)!.cached);
      // The first run computes it; the three others reuse it.
      expect(cached, shared).toEqual([false, true, true, true]);
    }
    for (const state of states) {
      expect(state.steps.find((s) => s.id === 'evaluate')).toMatchObject({ status: 'succeeded', cached: false });
    }
    const listed = await kiln(['list', '--sweep', sweep.sweepId, '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const runs = JSON.parse(listed.stdout) as Array<{ runId: string; params?: string }>;
    expect(runs.map((r) => r.runId).sort()).toEqual(sweep.runs.map((r) => r.runId).sort());
    const sweepStatus = await kiln(['status', sweep.sweepId, '--json']);
    expect(sweepStatus.code, sweepStatus.stderr).toBe(0);
    const described = JSON.parse(sweepStatus.stdout) as SweepJson;
    expect(described.status).toBe('COMPLETED');
    expect(described.runs.map((r) => [r.runId, r.status])).toEqual(sweep.runs.map((r) => [r.runId, 'succeeded']));
    const compared = await kiln(['compare', sweep.sweepId, '--metric', 'evaluate.mlm_accuracy', '--json']);
    expect(compared.code, compared.stderr).toBe(0);
    const rows = JSON.parse(compared.stdout) as Array<{ runId: string; params: Record<string, unknown>; metrics: Record<string, number> }>;
    expect(rows.map((r) => r.runId).sort()).toEqual(sweep.runs.map((r) => r.runId).sort());
    const accuracies = rows.map((r) => r.metrics['evaluate.mlm_accuracy']!);
    expect(accuracies).toEqual([...accuracies].sort((a, b) => b - a)); // best first
    for (const row of rows) expect(Object.keys(row.params).sort()).toEqual(['learning_rate', 'steps']);
    expect(runs.map((r) => r.params).sort()).toEqual(
      ['steps=3 learning_rate=0.001', 'steps=3 learning_rate=0.0005', 'steps=6 learning_rate=0.001', 'steps=6 learning_rate=0.0005'].sort(),
    );
  }, 660_000);

  it('a failing combination fails the sweep but not the other runs; with fail_fast the rest are skipped', async () => {
    const goOn = await kiln(['run', 'test/fixtures/pipelines/sweep-tiny.yaml', '--json', '--matrix', 'batch_size=100000,8', '--matrix', 'steps=3', '--matrix', 'learning_rate=0.001'], { timeoutMs: 600_000 });
    expect(goOn.code).toBe(1);
    const first = JSON.parse(goOn.stdout) as SweepJson;
    expect(first.status).toBe('FAILED');
    expect(first.runs.map((r) => [r.params.batch_size, r.status])).toEqual([
      [100000, 'failed'],
      [8, 'succeeded'],
    ]);

    const failFast = await kiln(['run', 'test/fixtures/pipelines/sweep-failfast.yaml', '--json'], { timeoutMs: 600_000 });
    expect(failFast.code).toBe(1);
    const second = JSON.parse(failFast.stdout) as SweepJson;
    expect(second.status).toBe('FAILED');
    expect(second.runs.map((r) => r.status)).toEqual(['failed', 'skipped']);
  }, 660_000);
});

describe('cancelling and resuming a sweep', () => {
  let server: TempServer;

  beforeAll(async () => {
    server = await startTempServer('kiln-sweep-cancel-');
  }, 400_000);

  afterAll(async () => {
    await killAll();
    await server?.stop({ remove: true });
  });

  it('kiln cancel SWEEP cancels its runs; kiln resume SWEEP continues them to the end', async () => {
    const { env } = server;
    const grid = ['--matrix', 'steps=150,151', '--matrix', 'learning_rate=0.001'];
    const started = await kiln(['run', 'test/fixtures/pipelines/sweep-tiny.yaml', '--detach', '--json', ...grid], { env });
    expect(started.code, started.stderr).toBe(0);
    const { sweepId } = JSON.parse(started.stdout) as SweepJson;
    const worker = startKiln('worker', ['worker'], { env });
    await waitFor(
      'a run of the sweep to be training',
      async () => {
        const listed = await kiln(['list', '--sweep', sweepId, '--json'], { env });
        const runs = JSON.parse(listed.stdout || '[]') as Array<{ runId: string; status: string }>;
        if (runs.length === 0) return false;
        const state = await kiln(['status', runs[0]!.runId, '--json'], { env });
        return (JSON.parse(state.stdout) as StatusJson).steps.some((s) => s.id === 'pretrain' && s.status === 'running');
      },
      { timeoutMs: 180_000, intervalMs: 500, alive: [worker] },
    );
    const cancelled = await kiln(['cancel', sweepId], { env });
    expect(cancelled.code, cancelled.stderr).toBe(0);
    const ended = await waitFor(
      'the sweep to end',
      async () => {
        const listed = await kiln(['list', '--sweep', sweepId, '--json'], { env });
        const runs = JSON.parse(listed.stdout || '[]') as Array<{ runId: string; status: string }>;
        return runs.length > 0 && runs.every((r) => r.status !== 'running') ? runs : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500, alive: [worker] },
    );
    expect(ended.map((r) => r.status)).toContain('cancelled');
    await worker.kill();

    const resumed = await kiln(['resume', sweepId, '--json'], { env, timeoutMs: 600_000 });
    expect(resumed.code, resumed.stderr).toBe(0);
    const sweep = JSON.parse(resumed.stdout) as SweepJson;
    expect(sweep.status).toBe('COMPLETED');
    expect(sweep.runs.map((r) => [r.params.steps, r.status])).toEqual([
      [150, 'succeeded'],
      [151, 'succeeded'],
    ]);
  }, 900_000);
});
