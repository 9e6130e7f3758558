// `kiln report` as a user meets it: a real tiny BERT pretraining run on the test server, its report written by
// the CLI, then opened in headless Chromium: no network, no console errors, a node per step, charts with data.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { evaluationView } from '../../cli/report/evaluation';
import { renderReport } from '../../cli/report/html';
import type { ReportData } from '../../cli/report/types';
import type { RunState } from '../../cli/run-state';
import type { Plan, PlanStep } from '../../compiler/types';
import type { ClassificationReport } from '../../nlp/evaluate/classification';
import { hasChromium, openPage, screenshotPath, type OpenedPage } from '../helpers/chromium';
import { kiln, repoRoot } from '../helpers/kiln-cli';

const PIPELINE = `apiVersion: kiln/v1
kind: Pipeline
name: report-e2e
description: A tiny BERT pretrained on three chapters of Moby-Dick, for the run report test.
params:
  seed: 7
defaults:
  retry: { max_attempts: 2, initial_interval: 500ms }
steps:
  corpus:
    uses: corpus/download@v1
    with:
      sources: [{ dataset: moby-dick, limit: 3 }]
  tokenizer:
    uses: tokenizer/wordpiece@v1
    with:
      corpus: "\${{ steps.corpus.outputs.corpus }}"
      vocab_size: 300
  pretraining-data:
    uses: bert/pretraining-data@v1
    with:
      corpus: "\${{ steps.corpus.outputs.corpus }}"
      tokenizer: "\${{ steps.tokenizer.outputs.tokenizer }}"
      max_seq_length: 32
      dupe_factor: 1
      seed: "\${{ params.seed }}"
  pretrain:
    uses: bert/pretrain@v1
    with:
      data: "\${{ steps.pretraining-data.outputs.data }}"
      tokenizer: "\${{ steps.tokenizer.outputs.tokenizer }}"
      model: { hidden_size: 32, num_layers: 1, num_heads: 2, intermediate_size: 64, max_position_embeddings: 32 }
      batch_size: 8
      steps: 20
      log_every: 2
      eval_every: 10
      eval_batches: 2
      checkpoint_every: 10
      backend: wasm
      seed: "\${{ params.seed }}"
`;

interface StepJson {
  id: string;
  status: string;
  outputs: Record<string, { uri?: string; digest?: string }>;
}

let dir: string;
let browser: OpenedPage | undefined;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-report-'));
});

afterAll(async () => {
  await browser?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function page(): Promise<OpenedPage> {
  browser ??= await openPage({ width: 1280, height: 900 });
  browser.consoleErrors.length = 0;
  browser.requests.length = 0;
  browser.failedRequests.length = 0;
  return browser;
}

async function runPipeline(file: string): Promise<{ runId: string; steps: StepJson[] }> {
  const run = await kiln(['run', file, '--json'], { timeoutMs: 150_000 });
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as { runId: string; steps: StepJson[] };
}

async function report(runId: string, out: string): Promise<string> {
  const result = await kiln(['report', runId, '--out', out]);
  expect(result.code, result.stderr).toBe(0);
  const file = path.join(out, 'index.html');
  expect(result.stdout).toContain(`report written to ${file}`);
  expect(result.stdout).toContain(pathToFileURL(file).href);
  return file;
}

/** The page loads from the file alone: nothing else requested, nothing failed, nothing logged as an error. */
async function open(file: string): Promise<OpenedPage> {
  const opened = await page();
  await opened.page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  expect(opened.consoleErrors).toEqual([]);
  expect(opened.failedRequests).toEqual([]);
  expect(opened.requests).toEqual([pathToFileURL(file).href]);
  return opened;
}

describe.skipIf(!hasChromium)('kiln report', () => {
  it('reports a BERT pretraining run: DAG by status, steps with digests, loss curves with every metrics line', async () => {
    const pipeline = path.join(dir, 'pipeline.yaml');
    await fs.writeFile(pipeline, PIPELINE);
    const { runId, steps } = await runPipeline(pipeline);
    const file = await report(runId, path.join(dir, 'report'));
    const html = await fs.readFile(file, 'utf8');

    // Self-contained: no scripts, stylesheets or images from anywhere.
    expect(html.match(/<script|<link|<img|<iframe|url\((?!#)/gi)).toBeNull();
    expect(html).toContain(runId);
    for (const step of steps) for (const output of Object.values(step.outputs)) if (output.digest) expect(html).toContain(output.digest);
    const metrics = steps.find((s) => s.id === 'pretrain')!.outputs.metrics!;
    const metricsLines = (await fs.readFile(path.join(process.env.KILN_HOME!, 'store/sha256', metrics.uri!.slice('kiln://sha256/'.length)), 'utf8')).trim().split('\n');
    expect(metricsLines.length).toBe(12); // 10 training windows of 2 steps, 2 validation passes
    expect(html).toContain('; trained on the <code>wasm</code> backend.'); // from the model artifact's meta

    const { page: p } = await open(file);
    const nodes = p.locator('svg.dag g.dag-node');
    expect(await nodes.evaluateAll((els) => els.map((e) => [e.getAttribute('data-step'), e.getAttribute('data-status')]))).toEqual([
      ['corpus', 'succeeded'],
      ['tokenizer', 'succeeded'],
      ['pretraining-data', 'succeeded'],
      ['pretrain', 'succeeded'],
    ]);
    const edges = await p.locator('svg.dag path.dag-edge').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-from')}→${e.getAttribute('data-to')}`));
    expect(edges.sort()).toEqual(['corpus→pretraining-data', 'corpus→tokenizer', 'pretraining-data→pretrain', 'tokenizer→pretrain', 'tokenizer→pretraining-data']);
    expect(await p.locator('table.steps tbody tr').count()).toBe(4);

    // One dot per metrics line (train windows and validation passes) at a real, distinct position. (Vega marks
    // the data's groups role-mark; legends and axes have other roles.)
    const loss = p.locator('figure[data-chart="loss"][data-step="pretrain"]');
    const dots = await loss.locator('g.mark-symbol.role-mark path').evaluateAll((els) => els.map((e) => e.getAttribute('transform') ?? ''));
    expect(dots.length).toBeGreaterThanOrEqual(metricsLines.length);
    const positions = dots.map((t) => /translate\(([-\d.e]+),([-\d.e]+)\)/.exec(t)?.slice(1).map(Number) ?? [NaN, NaN]);
    expect(positions.every(([x, y]) => Number.isFinite(x) && Number.isFinite(y))).toBe(true);
    expect(new Set(positions.map((xy) => xy.join(','))).size).toBe(dots.length);
    // The training line passes through all 10 windows: 1 move and 9 line segments.
    const lines = await loss.locator('g.mark-line.role-mark path').evaluateAll((els) => els.map((e) => (e.getAttribute('d') ?? '').match(/[ML]/g)?.length ?? 0));
    expect(Math.max(...lines)).toBe(10);
    for (const chart of ['head-loss', 'accuracy', 'learning-rate']) {
      expect(await p.locator(`figure[data-chart="${chart}"] g.mark-symbol.role-mark path`).count(), chart).toBeGreaterThan(0);
    }
    // The charts fit their figures, which sit side by side at this width.
    const box = await loss.boundingBox();
    expect(box!.width).toBeLessThan(640);

    await p.screenshot({ path: await screenshotPath(repoRoot, 'report-screenshot.png'), fullPage: true });
  });

  it('a run without training or evaluation still gets its DAG and step table, and no empty sections', async () => {
    const { runId } = await runPipeline('test/fixtures/pipelines/e2e-corpus.yaml');
    const file = await report(runId, path.join(dir, 'corpus-report'));
    const { page: p } = await open(file);
    expect(await p.locator('svg.dag g.dag-node[data-status="succeeded"]').count()).toBe(1);
    expect(await p.locator('table.steps tbody tr').count()).toBe(1);
    expect(await p.locator('#training, #evaluation, #deployments, figure.chart').count()).toBe(0);
  });

  it('an unknown run is a clear error', async () => {
    const result = await kiln(['report', 'no-such-run', '--out', path.join(dir, 'nothing')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no run "no-such-run"');
    await expect(fs.stat(path.join(dir, 'nothing'))).rejects.toThrow();
  });

  it('renders fine-tuning curves, the confusion matrix and the lineage of deployed versions', async () => {
    const file = path.join(dir, 'synthetic.html');
    await fs.writeFile(file, await renderReport(syntheticRun()));
    const { page: p } = await open(file);

    const edges = await p.locator('svg.dag path.dag-edge').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-from')}→${e.getAttribute('data-to')}`));
    expect(edges.sort()).toEqual(['data→evaluate', 'data→finetune', 'evaluate→deploy', 'finetune→deploy', 'finetune→evaluate']);
    expect(await p.locator('svg.dag g.dag-node[data-cached="true"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-step')))).toEqual(['data']);

    const cells = p.locator('figure[data-chart="confusion"] g.mark-rect.role-mark path');
    expect(await cells.count()).toBe(9);
    const texts = await p.locator('figure[data-chart="confusion"] text').allTextContents();
    for (const label of ['negative', 'neutral', 'positive', '41', '7']) expect(texts).toContain(label);
    expect(await p.locator('figure[data-chart="per-class"] g.mark-rect.role-mark path').count()).toBe(9);
    expect(await p.locator('table.classes tbody tr').count()).toBe(3);
    expect(await p.locator('#evaluation .card').allTextContents()).toEqual(expect.arrayContaining(['accuracy0.79', 'macro f10.7533', 'latency ms1.9']));
    expect(await p.locator('#evaluation').textContent()).toContain('gate passed');

    // accuracy (train and validation) and macro_f1 (validation) at 3 evaluations each.
    expect(await p.locator('figure[data-chart="accuracy"][data-step="finetune"] g.mark-symbol.role-mark path').count()).toBe(9);
    expect(await p.locator('figure[data-chart="throughput"][data-step="finetune"]').textContent()).toContain('examples / s');
    const lineage = p.locator('table.lineage tbody tr');
    expect(await lineage.evaluateAll((els) => els.map((e) => [e.getAttribute('data-version'), e.className]))).toEqual([
      ['2', 'current'],
      ['1', ''],
    ]);
    expect(await lineage.first().textContent()).toContain('production');
    expect(await p.locator('table.lineage a').last().getAttribute('href')).toBe('http://localhost:8233/namespaces/default/workflows/sentiment-aaaa1111');
  });
});

/** A fine-tune → evaluate → deploy run, as collectReport would gather it once those step types report. */
function syntheticRun(): ReportData {
  const t = (s: number) => new Date(Date.UTC(2026, 0, 2, 10, 0, s)).toISOString();
  const ref = (hex: string, kind: string) => ({ uri: `kiln://sha256/${hex.repeat(64)}`, kind, digest: `sha256:${hex.repeat(64)}`, bytes: 2048, meta: {} });
  const run: RunState = {
    runId: 'sentiment-bbbb2222',
    temporalRunId: 'r',
    pipeline: 'sentiment',
    planHash: 'f'.repeat(64),
    status: 'COMPLETED',
    startedAt: t(0),
    endedAt: t(50),
    steps: [
      { id: 'data', type: 'dataset/load@v1', status: 'succeeded', attempts: 1, cached: true, startedAt: t(1), endedAt: t(1), outputs: { train: ref('a', 'dataset') } },
      { id: 'finetune', type: 'bert/finetune@v1', status: 'succeeded', attempts: 2, cached: false, startedAt: t(2), endedAt: t(30), outputs: { model: ref('b', 'model'), metrics: ref('c', 'metrics') } },
      { id: 'evaluate', type: 'bert/evaluate@v1', status: 'succeeded', attempts: 1, cached: false, startedAt: t(31), endedAt: t(35), outputs: { report: ref('d', 'report'), passed: true } },
      { id: 'deploy', type: 'model/deploy@v1', status: 'succeeded', attempts: 1, cached: false, startedAt: t(36), endedAt: t(50), outputs: { version: { name: 'sentiment', version: 2, alias: 'production', digest: `sha256:${'b'.repeat(64)}` } } },
    ],
  };
  const planStep = (id: string, type: string, dependsOn: string[]): PlanStep => ({
    id,
    type,
    inputs: {},
    dependsOn,
    outputs: [],
    options: { taskQueue: 'kiln', startToCloseTimeoutMs: 60_000, retry: { maxAttempts: 3, initialIntervalMs: 1000, backoff: 2, maxIntervalMs: 60_000 } },
    cache: true,
    position: { line: 1, col: 1 },
  });
  const plan: Plan = {
    apiVersion: 'kiln/v1',
    pipeline: 'sentiment',
    description: 'Fine-tune a BERT for sentiment, evaluate it behind a gate, deploy it.',
    params: { epochs: 3 },
    steps: [
      planStep('data', 'dataset/load@v1', []),
      planStep('finetune', 'bert/finetune@v1', ['data']),
      planStep('evaluate', 'bert/evaluate@v1', ['data', 'finetune']),
      planStep('deploy', 'model/deploy@v1', ['evaluate', 'finetune']),
    ],
    planHash: 'f'.repeat(64),
    source: { file: '/home/me/pipelines/sentiment.yaml', dir: '/home/me/pipelines', sha256: '0'.repeat(64) },
  };
  const lineage = (workflowId: string) => ({ workflowId, runId: 'r', pipeline: 'sentiment', planHash: 'f'.repeat(64), step: 'deploy' });
  const version = (v: number, workflowId: string, accuracy: number) => ({
    name: 'sentiment',
    version: v,
    kind: 'classifier' as const,
    created: t(v * 10),
    digest: `sha256:${String(v).repeat(64)}`,
    source: { uri: 'kiln://sha256/x', meta: {} },
    lineage: lineage(workflowId),
    metrics: { accuracy },
  });
  // The shape bert/evaluate@v1 writes (activities/bert-evaluate.ts), so a change there shows up here.
  const classification: ClassificationReport = {
    task: 'classification',
    metrics: { accuracy: 0.79, macro_f1: 0.75333, macro_precision: 0.75, macro_recall: 0.76, loss: 0.52, latency_ms: 1.9, examples: 100 },
    per_class: [
      { label: 'negative', precision: 0.85, recall: 0.82, f1: 0.835, support: 50 },
      { label: 'neutral', precision: 0.6, recall: 0.55, f1: 0.574, support: 20 },
      { label: 'positive', precision: 0.8, recall: 0.9, f1: 0.847, support: 30 },
    ],
    confusion_matrix: {
      labels: ['negative', 'neutral', 'positive'],
      rows: 'gold',
      columns: 'predicted',
      matrix: [
        [41, 7, 2],
        [5, 11, 4],
        [1, 2, 27],
      ],
    },
    latency: { batch_size: 32, ms_per_example: 1.9, examples_per_sec: 526, forward_ms: 190 },
  };
  const report = { format: 'kiln/evaluation-report@1', ...classification, gate: { min: { accuracy: 0.7 }, max: {}, passed: true, misses: [], summary: 'gate passed' } };
  const evaluation = evaluationView('evaluate', report, `sha256:${'d'.repeat(64)}`)!;
  // bert/finetune@v1's metrics lines (its README entry lists the fields).
  const rows = [1, 2, 3].flatMap((epoch) => [
    { split: 'train', step: epoch * 10, loss: 1 / epoch, accuracy: 0.5 + epoch * 0.1, learning_rate: 3e-4 / epoch, grad_norm: 1, examples_per_sec: 40 + epoch },
    { split: 'validation', step: epoch * 10, loss: 1.1 / epoch, accuracy: 0.45 + epoch * 0.1, macro_f1: 0.4 + epoch * 0.1, best: epoch === 3 },
  ]);
  return {
    generatedAt: t(60),
    run,
    plan,
    uiUrl: 'http://localhost:8233/namespaces/default/workflows/sentiment-bbbb2222',
    training: [{ step: 'finetune', type: 'bert/finetune@v1', digest: `sha256:${'c'.repeat(64)}`, rows }],
    evaluations: [evaluation],
    deployments: [{ step: 'deploy', name: 'sentiment', version: 2, alias: 'production', versions: [version(1, 'sentiment-aaaa1111', 0.74), version(2, 'sentiment-bbbb2222', 0.81)], aliases: { production: 2, staging: 1 } }],
    notes: [],
  };
}
