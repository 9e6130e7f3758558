// The nightly evaluation as a user runs it: a tiny classifier trained and deployed for real (plus a worse one under
// another alias), then pipelines/nightly-eval.yaml (its params and data pointed at them) run through `kiln run`:
// two good nights, then the alias moved to the worse version with `kiln models promote`: GateFailed naming the
// metric, the drop and the best night, and `kiln metrics history` showing all three.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';

import type { RunState } from '../../cli/run-state';
import type { HistoryRecord } from '../../store/metrics-history-types';
import { freePort } from '../../worker/server-ports';
import { kiln, repoRoot } from '../helpers/kiln-cli';

const suffix = randomBytes(3).toString('hex');
const model = `nightly-e2e-${suffix}`;
const historyName = `nightly-e2e-${suffix}`;

const POSITIVE = ['good', 'great', 'fine', 'nice'];
const NEGATIVE = ['bad', 'awful', 'poor', 'sad'];
const FILLER = ['the', 'movie', 'was', 'a', 'plot', 'very', 'it', 'and', 'story', 'actor'];

/** 160 distinct sentences of filler around one sentiment word: learnable in seconds by a one-layer BERT. */
function reviewsCsv(): string {
  const rows = new Set<string>();
  let state = 12345;
  const next = (n: number) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % n;
  };
  while (rows.size < 160) {
    const label = rows.size % 2;
    const words = Array.from({ length: 3 + next(4) }, () => FILLER[next(FILLER.length)]!);
    words.splice(next(words.length + 1), 0, (label === 1 ? POSITIVE : NEGATIVE)[next(4)]!);
    rows.add(`${words.join(' ')},${label === 1 ? 'positive' : 'negative'}`);
  }
  return ['text,label', ...rows].join('\n') + '\n';
}

const finetune = (epochs: number, learningRate: number, seed: number) => ({
  uses: 'bert/finetune@v1',
  with: {
    model: { from_scratch: { hidden_size: 32, num_layers: 1, num_heads: 2, intermediate_size: 64, max_position_embeddings: 16 } },
    tokenizer: '${{ steps.tokenizer.outputs.tokenizer }}',
    train: '${{ steps.data.outputs.train }}',
    validation: '${{ steps.data.outputs.validation }}',
    labels: '${{ steps.data.outputs.labels }}',
    epochs,
    batch_size: 8,
    max_seq_length: 16,
    optimizer: { learning_rate: learningRate },
    backend: 'wasm',
    seed,
  },
});

const SPLIT = { validation: 0.2, test: 0.2, seed: 5 };

/** Trains a good classifier (deployed as production, version 1) and a barely trained one (candidate, version 2). */
function trainPipeline(port: number): object {
  const deploy = (step: string, alias: string) => ({ uses: 'model/deploy@v1', with: { model: `\${{ steps.${step}.outputs.model }}`, name: model, alias, serve: { port } } });
  return {
    apiVersion: 'kiln/v1',
    kind: 'Pipeline',
    name: 'nightly-e2e-train',
    defaults: { retry: { max_attempts: 2, initial_interval: '500ms' } },
    steps: {
      data: { uses: 'dataset/load@v1', with: { sources: [{ file: 'reviews.csv' }], split: SPLIT } },
      tokenizer: { uses: 'tokenizer/wordpiece@v1', with: { vocab: 'vocab.txt' } },
      good: finetune(10, 0.002, 3),
      bad: { ...finetune(1, 0.000001, 4), needs: ['good'] },
      'deploy-good': { ...deploy('good', 'production') },
      'deploy-bad': { ...deploy('bad', 'candidate'), needs: ['deploy-good'] },
    },
  };
}

/** pipelines/nightly-eval.yaml itself, with its params and held-out data pointed at this test's model and csv. */
async function evalPipeline(): Promise<object> {
  const pipeline = parse(await fs.readFile(path.join(repoRoot, 'pipelines/nightly-eval.yaml'), 'utf8')) as {
    name: string;
    params: Record<string, unknown>;
    steps: Record<string, { uses: string; with: Record<string, unknown> }>;
  };
  expect(Object.values(pipeline.steps).map((s) => s.uses)).toEqual(['model/resolve@v1', 'dataset/load@v1', 'bert/evaluate@v1', 'metrics/record@v1']);
  Object.assign(pipeline.params, { model, history: historyName });
  pipeline.steps.sentiment!.with = { sources: [{ file: 'reviews.csv' }], split: SPLIT };
  pipeline.name = 'nightly-e2e-eval';
  return pipeline;
}

let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-nightly-'));
  await fs.writeFile(path.join(dir, 'reviews.csv'), reviewsCsv());
  await fs.writeFile(path.join(dir, 'vocab.txt'), ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...POSITIVE, ...NEGATIVE, ...FILLER].join('\n') + '\n');
  await fs.writeFile(path.join(dir, 'train.yaml'), stringify(trainPipeline(await freePort())));
  await fs.writeFile(path.join(dir, 'eval.yaml'), stringify(await evalPipeline()));
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function runEval(): Promise<{ code: number | null; state: RunState }> {
  const run = await kiln(['run', path.join(dir, 'eval.yaml'), '--json'], { timeoutMs: 120_000 });
  expect(run.stdout, run.stderr).toMatch(/^\{/);
  return { code: run.code, state: JSON.parse(run.stdout) as RunState };
}

describe('nightly evaluation', () => {
  it('records two good nights, then fails a regressed model with GateFailed and keeps it in the history', { timeout: 240_000 }, async () => {
    const train = await kiln(['run', path.join(dir, 'train.yaml'), '--json'], { timeoutMs: 150_000 });
    expect(train.code, train.stderr).toBe(0);

    const first = await runEval();
    expect(first.code).toBe(0);
    const record = first.state.steps.find((s) => s.id === 'record')!.outputs!.record as { metrics: { accuracy: number }; model: unknown; comparison: unknown };
    expect(record.model).toMatchObject({ name: model, version: 1, alias: 'production' });
    const good = record.metrics.accuracy;
    expect(good).toBeGreaterThanOrEqual(0.8);
    const second = await runEval();
    expect(second.code).toBe(0);
    // Same model, same held-out split: the evaluation is a cache hit, the record a new line.
    expect(second.state.steps.find((s) => s.id === 'evaluate')!.cached).toBe(true);
    expect(second.state.steps.find((s) => s.id === 'record')!.cached).toBe(false);
    expect(second.state.steps.find((s) => s.id === 'record')!.outputs!.record).toMatchObject({ comparison: { accuracy: { drop: 0, passed: true } } });

    const promote = await kiln(['models', 'promote', model, '2']);
    expect(promote.code, promote.stderr).toBe(0);
    expect(promote.stdout).toContain(`${model}@production → 2 (was 1)`);

    const third = await runEval();
    expect(third.code).toBe(1);
    expect(third.state.status).toBe('FAILED');
    const failed = third.state.steps.find((s) => s.id === 'record')!;
    expect(failed.status).toBe('failed');
    const best = new RegExp(`^GateFailed: steps\\.record: accuracy ([0-9.]+) is ([0-9.]+) below the best recorded ${good} \\(run (${first.state.runId}) at [0-9T:.Z-]+\\); allowed drop 0\\.02`);
    const match = best.exec(failed.error ?? '');
    expect(match, failed.error).not.toBeNull();
    expect(Number(match![2])).toBeCloseTo(good - Number(match![1]), 5);
    expect(Number(match![2])).toBeGreaterThan(0.02);

    const history = await kiln(['metrics', 'history', historyName, '--json']);
    expect(history.code, history.stderr).toBe(0);
    const records = JSON.parse(history.stdout) as HistoryRecord[];
    expect(records.map((r) => [r.run, (r.model as { version: number }).version, r.step])).toEqual([
      [first.state.runId, 1, 'record'],
      [second.state.runId, 1, 'record'],
      [third.state.runId, 2, 'record'],
    ]);
    expect(records[2]!.metrics.accuracy).toBe(Number(match![1]));

    const table = await kiln(['metrics', 'history', historyName, '--metric', 'accuracy']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain(`${historyName}: 3 record(s) in `);
    expect(table.stdout).toMatch(new RegExp(`${first.state.runId} +${model}:1 +[0-9.]+ \\*`));
    expect(table.stdout).toMatch(new RegExp(`${third.state.runId} +${model}:2 +[0-9.]+ \\(-[0-9.]+\\)`));
    expect(table.stdout).toMatch(/accuracy {2}██▁ {2}/);

    const list = await kiln(['metrics', 'list']);
    expect(list.stdout).toMatch(new RegExp(`${historyName} +3 `));
    const unknown = await kiln(['metrics', 'history', 'no-such-history']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("kiln: no metrics history named 'no-such-history'");
    expect(unknown.stderr).toMatch(new RegExp(`hint: existing histories: .*${historyName}`));
  });
});
