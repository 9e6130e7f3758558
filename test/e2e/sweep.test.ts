// Sweeps on the real dev server: a 2×2 grid whose shared upstream steps run once (cache hits in the other runs), one
// evaluation per run, `kiln list --sweep`; a failing combination without fail_fast (the other runs go on) and with
// it (the rest are skipped); the JSON scripts rely on.
import { describe, expect, it } from 'vitest';

import { kiln } from '../helpers/kiln-cli';

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
