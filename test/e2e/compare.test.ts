import { beforeAll, describe, expect, it } from 'vitest';

import type { CompareJson } from '../../cli/compare-table';
import type { RunState } from '../../cli/run-state';
import { kiln } from '../helpers/kiln-cli';

// A tiny BERT pretraining and its evaluation (the shared-store fixture, run on one host), twice: 6 and then 10
// training steps. The second run's corpus, tokenizer and data are cache hits; its pretrain and evaluate differ.
const pipeline = 'test/fixtures/pipelines/shared-store.yaml';
const common = ['--set', 'checkpoint_every=100', '--set', 'batch_size=8'];

async function run(steps: number): Promise<string> {
  const result = await kiln(['run', pipeline, '--json', ...common, '--set', `steps=${steps}`], { timeoutMs: 240_000 });
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as RunState).runId;
}

async function compareJson(...args: string[]): Promise<CompareJson[]> {
  const result = await kiln(['compare', '--json', ...args]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as CompareJson[];
}

describe('kiln compare', () => {
  let short: string;
  let long: string;

  beforeAll(async () => {
    short = await run(6);
    long = await run(10);
  }, 480_000);

  it('shows the differing param, status, duration and metrics, best first by --metric, and why the steps differ', async () => {
    const text = await kiln(['compare', short, long, '--metric', 'pretrain.loss']);
    expect(text.code, text.stderr).toBe(0);
    const [header, first, second] = text.stdout.split('\n');
    expect(header).toMatch(/^\s+RUN\s+steps\s+STATUS\s+TOOK\s+evaluate\.\S+.*pretrain\.loss/);
    // Only `steps` differs: seed, batch_size, backend and checkpoint_every are the same in both runs.
    expect(header).not.toMatch(/\bseed\b|batch_size|backend|checkpoint_every/);
    // Of the training metrics, the table shows loss (and accuracy); `--all` and JSON show every one.
    expect(header).not.toContain('pretrain.mlm_accuracy');
    const ranked = [first, second].map((line) => /^([* ])\s+(\S+)\s+(\d+)\s+succeeded\s+\S+s\s/.exec(line!)?.slice(1, 4));
    expect(ranked.every(Boolean), text.stdout).toBe(true);
    const json = await compareJson(short, long, '--metric', 'pretrain.loss');
    const [bestRun] = json;
    expect(ranked[0]).toEqual(['*', bestRun!.runId, String(bestRun!.params.steps)]);
    expect(ranked[1]![0]).toBe(' ');
    expect(text.stdout).toContain(`* best by pretrain.loss (lower is better): ${bestRun!.runId}`);

    // The step differences: the second run named against the first.
    expect(text.stdout).toContain(`steps of ${long} against ${short}:`);
    expect(text.stdout).toMatch(new RegExp(`corpus\\s+= same inputs \\(cache hit in ${long}\\)`));
    expect(text.stdout).toMatch(new RegExp(`pretraining-data\\s+= same inputs \\(cache hit in ${long}\\)`));
    expect(text.stdout).toMatch(/pretrain\s+≠ input steps changed: 6 → 10/);
    expect(text.stdout).toMatch(/evaluate\s+≠ input model is a different artifact/);
  });

  it('prints [{runId, params, status, durationMs, metrics, steps}] and ranks by the metric asked for', async () => {
    const [byLoss, byAccuracy, all] = await Promise.all([
      compareJson(short, long, '--metric', 'pretrain.loss'),
      compareJson(short, long, '--metric', 'evaluate.mlm_accuracy'),
      compareJson(short, long, '--all'),
    ]);
    for (const rows of [byLoss, byAccuracy, all]) expect(rows.map((r) => r.runId).sort()).toEqual([short, long].sort());
    const loss = byLoss.map((r) => r.metrics['pretrain.loss']!);
    expect(loss[0]).toBeLessThanOrEqual(loss[1]!);
    const accuracy = byAccuracy.map((r) => r.metrics['evaluate.mlm_accuracy']!);
    expect(accuracy[0]).toBeGreaterThanOrEqual(accuracy[1]!);

    const row = byLoss.find((r) => r.runId === long)!;
    expect(Object.keys(row).sort()).toEqual(['durationMs', 'metrics', 'params', 'runId', 'status', 'steps']);
    expect(row.params).toEqual({ steps: 10 });
    expect(row.status).toBe('succeeded');
    expect(row.durationMs).toBeGreaterThan(0);
    expect(Object.keys(row.metrics)).toEqual(expect.arrayContaining(['evaluate.mlm_accuracy', 'pretrain.loss', 'pretrain.mlm_accuracy']));
    expect(row.metrics).not.toHaveProperty('pretrain.step');
    expect(row.steps.corpus).toMatchObject({ type: 'corpus/download@v1', status: 'succeeded', cached: true, vs: { run: short, sameInputs: true } });
    expect(row.steps.pretrain).toMatchObject({ cached: false, vs: { run: short, sameInputs: false, reasons: ['input steps changed: 6 → 10'] } });
    expect(byLoss.find((r) => r.runId === short)!.steps.pretrain).not.toHaveProperty('vs');
    expect(all.find((r) => r.runId === long)!.params).toEqual({ seed: 7, steps: 10, checkpoint_every: 100, batch_size: 8, backend: 'wasm' });

    const text = await kiln(['compare', short, long, '--all', '--metric', 'perplexity']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout.split('\n')[0]).toMatch(/^\s+RUN\s+seed\s+steps\s+checkpoint_every\s+batch_size\s+backend\s+STATUS\s+TOOK\s.*pretrain\.mlm_accuracy/);
    expect(text.stdout).toMatch(/\* best by evaluate\.perplexity \(lower is better\): /);
  });

  it('says which metrics there are when no run has the one asked for', async () => {
    const result = await kiln(['compare', short, long, '--metric', 'bleu']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('kiln: no run compared has a metric "bleu"');
    expect(result.stderr).toMatch(/hint: the metrics there are: .*evaluate\.mlm_accuracy.*pretrain\.loss/);
    const ambiguous = await kiln(['compare', short, long, '--metric', 'mlm_accuracy']);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain('kiln: --metric "mlm_accuracy" names several metrics: evaluate.mlm_accuracy, pretrain.mlm_accuracy');
  });

  it('refuses an unknown run, and no run at all', async () => {
    const [unknown, none] = await Promise.all([kiln(['compare', short, 'no-such-run-x']), kiln(['compare'])]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('kiln: no run or sweep "no-such-run-x"');
    expect(unknown.stderr).toContain('hint: run ids are the workflow ids `kiln run` prints');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('kiln: nothing to compare');
  });
});
