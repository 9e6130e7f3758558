import { describe, expect, it } from 'vitest';

import type { Client } from '@temporalio/client';

import { expandArguments, finalTrainingMetrics, sweepRunIds, type CompareRun } from '../../../cli/compare-data';
import { stepChangeLines, stepChanges, type EntryReader } from '../../../cli/compare-steps';
import { chooseMetric, compareJson, compareTable, rankRuns, shownParams, tableMetrics } from '../../../cli/compare-table';
import { UserError } from '../../../cli/user-error';
import type { CacheEntry } from '../../../store/cache';

function run(runId: string, fields: Partial<CompareRun> = {}): CompareRun {
  return { runId, params: {}, status: 'succeeded', durationMs: 4200, metrics: {}, evaluationSteps: [], steps: {}, inputs: {}, notes: [], ...fields };
}

const a = run('ft-a', {
  params: { lr: 0.0001, epochs: 1, data: 'imdb' },
  metrics: { 'evaluate.accuracy': 0.71, 'evaluate.macro_f1': 0.7, 'finetune.loss': 0.61, 'finetune.accuracy': 0.66, 'finetune.mlm_loss': 1 },
  evaluationSteps: ['evaluate'],
});
const b = run('ft-b', {
  params: { lr: 0.0005, epochs: 1, data: 'imdb' },
  durationMs: 65_000,
  metrics: { 'evaluate.accuracy': 0.765, 'evaluate.macro_f1': 0.7612, 'finetune.loss': 0.4, 'finetune.accuracy': 0.8, 'finetune.mlm_loss': 1 },
  evaluationSteps: ['evaluate'],
});
const c = run('ft-c', { params: { lr: 0.001, epochs: 2, data: 'imdb' }, status: 'failed', durationMs: 900, metrics: {} });

describe('kiln compare, the table', () => {
  it('shows only the params that differ, unless --all or a single run', () => {
    expect(shownParams([a, b])).toEqual(['lr']);
    expect(shownParams([a, b, c])).toEqual(['lr', 'epochs']);
    expect(shownParams([a, b], true)).toEqual(['lr', 'epochs', 'data']);
    expect(shownParams([a])).toEqual(['lr', 'epochs', 'data']);
    expect(shownParams([a, run('x', { params: { lr: 0.0001, epochs: 1 } })])).toEqual(['data']);
  });

  it('ranks by the first evaluation metric by default, and by --metric (full or a unique ending)', () => {
    expect(chooseMetric([a, b])).toEqual({ metric: 'evaluate.accuracy', higherIsBetter: true });
    expect(chooseMetric([c])).toBeUndefined();
    expect(chooseMetric([a, b], 'finetune.loss')).toEqual({ metric: 'finetune.loss', higherIsBetter: false });
    expect(chooseMetric([a, b], 'macro_f1')).toEqual({ metric: 'evaluate.macro_f1', higherIsBetter: true });
    expect(() => chooseMetric([a, b], 'accuracy')).toThrowError(
      new UserError('--metric "accuracy" names several metrics: evaluate.accuracy, finetune.accuracy', 'name one of them in full, e.g. --metric evaluate.accuracy', 2),
    );
    expect(() => chooseMetric([a, b], 'bleu')).toThrowError(
      new UserError('no run compared has a metric "bleu"', 'the metrics there are: evaluate.accuracy, evaluate.macro_f1, finetune.loss, finetune.accuracy, finetune.mlm_loss', 2),
    );
  });

  it('puts the best first (lower for losses), runs without the metric last in their order', () => {
    expect(rankRuns([c, a, b], chooseMetric([a, b])).map((r) => r.runId)).toEqual(['ft-b', 'ft-a', 'ft-c']);
    expect(rankRuns([b, c, a], { metric: 'finetune.loss', higherIsBetter: false }).map((r) => r.runId)).toEqual(['ft-b', 'ft-a', 'ft-c']);
    expect(rankRuns([c, b, a], undefined).map((r) => r.runId)).toEqual(['ft-c', 'ft-b', 'ft-a']);
  });

  it('renders one row per run, the best marked, training metrics cut to loss and accuracy', () => {
    const ranking = chooseMetric([a, b, c]);
    const runs = rankRuns([a, b, c], ranking);
    expect(tableMetrics(runs, ranking, true)).toContain('finetune.mlm_loss');
    expect(compareTable(runs, shownParams(runs), tableMetrics(runs, ranking), ranking)).toBe(
      [
        '   RUN   lr      epochs  STATUS     TOOK   evaluate.accuracy  evaluate.macro_f1  finetune.loss  finetune.accuracy',
        '*  ft-b  0.0005  1       succeeded  1m5s   0.765              0.7612             0.4            0.8',
        '   ft-a  0.0001  1       succeeded  4.2s   0.71               0.7                0.61           0.66',
        '   ft-c  0.001   2       failed     900ms  -                  -                  -              -',
      ].join('\n'),
    );
  });

  it('prints JSON rows with the params shown and, on the second of two runs, how each step differs', () => {
    const json = compareJson([b, a], ['lr'], { runId: 'ft-b', steps: {} });
    expect(json[0]).toEqual({ runId: 'ft-b', params: { lr: 0.0005 }, status: 'succeeded', durationMs: 65_000, metrics: b.metrics, steps: {} });
    expect(compareJson([c], [])[0]!.durationMs).toBe(900);
  });
});

describe('kiln compare, the data', () => {
  it('takes the numbers of the last train line, not its bookkeeping', () => {
    const rows = [
      { split: 'train', step: 10, loss: 2, accuracy: 0.5, learning_rate: 1e-4, elapsed: 3 },
      { split: 'train', step: 20, epoch: 1, loss: 1.5, accuracy: 0.6, grad_norm: 2, examples_per_sec: 90, elapsed: 6 },
      { split: 'validation', step: 20, loss: 1.7, accuracy: 0.55, best: true },
    ];
    expect(finalTrainingMetrics(rows)).toEqual({ loss: 1.5, accuracy: 0.6 });
    expect(finalTrainingMetrics([])).toEqual({});
  });

  it('expands a sweep id to its runs, and takes anything else as a run id, each run once', async () => {
    const sweeps: Record<string, string[]> = { 'sweep-1': ['ft-a', 'ft-b'] };
    expect(await expandArguments(['ft-c', 'sweep-1', 'ft-a'], async (id) => sweeps[id] ?? [])).toEqual(['ft-c', 'ft-a', 'ft-b']);
  });

  it("finds a sweep's runs by KilnSweep, oldest first, and none while the server does not know the attribute", async () => {
    const queries: string[] = [];
    const client = (list: () => AsyncIterable<{ workflowId: string; startTime: Date }>) =>
      ({ workflow: { list: (options: { query: string }) => (queries.push(options.query), list()) } }) as unknown as Client;
    const runs = client(async function* () {
      yield { workflowId: 'ft-b', startTime: new Date(2000) };
      yield { workflowId: 'sweep-1', startTime: new Date(0) };
      yield { workflowId: 'ft-a', startTime: new Date(1000) };
    });
    expect(await sweepRunIds(runs, 'sweep-1')).toEqual(['ft-a', 'ft-b']);
    expect(queries).toEqual(["KilnSweep = 'sweep-1'"]);
    expect(await sweepRunIds(runs, "x' OR 'a' = 'a")).toEqual([]);
    expect(queries).toHaveLength(1);

    const unknown = client(async function* () {
      yield* [];
      throw Object.assign(new Error('3 INVALID_ARGUMENT: invalid query: invalid search attribute: KilnSweep'), { code: 3 });
    });
    expect(await sweepRunIds(unknown, 'ft-a')).toEqual([]);
    const down = client(async function* () {
      yield* [];
      throw new Error('14 UNAVAILABLE: connection refused');
    });
    await expect(sweepRunIds(down, 'ft-a')).rejects.toThrow('UNAVAILABLE');
  });
});

describe('kiln compare, step differences', () => {
  const parts = (steps: number, data = 'sha256:d1'): CacheEntry['parts'] => ({
    type: 'bert/pretrain@v1',
    implementation: 2,
    inputs: { data: { artifact: data }, steps },
  });
  const entries: Record<string, CacheEntry> = {
    k6: { key: 'k6', parts: parts(6), outputs: {}, createdAt: '', producer: { pipeline: 'p', workflowId: 'x', stepId: 'pretrain' } },
    k10: { key: 'k10', parts: parts(10), outputs: {}, createdAt: '', producer: { pipeline: 'p', workflowId: 'y', stepId: 'pretrain' } },
  };
  const read: EntryReader = async (key) => entries[key];
  const step = (type: string, cacheKey: string | undefined, cached = false) => ({ type, status: 'succeeded', cached, ...(cacheKey ? { cacheKey } : {}) });

  it('says same inputs (and a cache hit) for equal keys, explains different keys, and says when an entry is gone', async () => {
    const first = run('r1', {
      steps: { corpus: step('corpus/download@v1', 'kc'), pretrain: step('bert/pretrain@v1', 'k6'), evaluate: step('bert/evaluate@v1', 'ke1'), old: step('x/y@v1', 'ko') },
    });
    const second = run('r2', {
      steps: { corpus: step('corpus/download@v1', 'kc', true), pretrain: step('bert/pretrain@v1', 'k10'), evaluate: step('bert/evaluate@v1', 'ke2') },
    });
    const changes = await stepChanges(first, second, read);
    expect(changes).toEqual({
      corpus: { run: 'r1', sameInputs: true, reasons: ['same inputs (cache hit in r2)'] },
      pretrain: { run: 'r1', sameInputs: false, reasons: ['input steps changed: 6 → 10'] },
      evaluate: { run: 'r1', sameInputs: false, reasons: ['different inputs; cache entry ke1 of r1 is gone, cache entry ke2 of r2 is gone, so which input changed is unknown'] },
      old: { run: 'r1', sameInputs: false, reasons: ['only in r1'] },
    });
    expect(stepChangeLines(changes, 'r1', 'r2')).toEqual([
      'steps of r2 against r1:',
      '  corpus    = same inputs (cache hit in r2)',
      '  pretrain  ≠ input steps changed: 6 → 10',
      '  evaluate  ≠ different inputs; cache entry ke1 of r1 is gone, cache entry ke2 of r2 is gone, so which input changed is unknown',
      '  old       ≠ only in r1',
    ]);
  });

  it("compares the plans' inputs of a step without a cache key", async () => {
    const first = run('r1', { steps: { record: step('metrics/record@v1', undefined) }, inputs: { record: { name: 'nightly', max_drop: 0.02 } } });
    const second = run('r2', { steps: { record: step('metrics/record@v1', undefined) }, inputs: { record: { name: 'nightly', max_drop: 0.05 } } });
    const same = run('r3', { steps: { record: step('metrics/record@v1', undefined) }, inputs: { record: { name: 'nightly', max_drop: 0.02 } } });
    expect((await stepChanges(first, second, read)).record!.reasons).toEqual([
      'no cache key in r1 and r2 (not cached, or it did not finish)',
      'input max_drop changed: 0.02 → 0.05',
    ]);
    expect((await stepChanges(first, same, read)).record!.reasons).toEqual([
      'no cache key in r1 and r3 (not cached, or it did not finish); both plans give it the same inputs (upstream outputs not compared)',
    ]);
  });
});
