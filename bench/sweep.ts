// Sweeps (issue 14), on real dev servers:
//   overhead:  a sweep of 16 trivial runs (one no-op step each), max_parallel 16 and 4, against the runs
//              themselves. Wall times are server-side (first to last history event). The runs' critical path is
//              the first run (it goes alone) plus the slowest lane's children, lanes rebuilt from the children's
//              start and close times; overhead = sweep wall − that critical path (target: < 1 s). One run of the
//              same plan alone, started as `kiln run` starts it, is the anchor.
//   fine-tuning: a 2×2 learning-rate × epochs grid (test/fixtures/pipelines/bench-sweep-finetune.yaml) as one
//              `kiln run FILE --json` against four sequential `kiln run FILE --set ...` of the same combinations,
//              each side in a fresh KILN_HOME and server of its own (cold cache), process start to exit.
// Run: `npm run bench sweep` (`-- --quick` skips the fine-tuning grid); writes bench/results/sweep.json.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Client, Connection } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';

import { defineStep, type StepType } from '../activities/step';
import { newRunId, startPipelineRun } from '../cli/start-run';
import type { Plan } from '../compiler/types';
import { fakePlan, fakeStep } from '../test/helpers/fake-plan';
import { kiln } from '../test/helpers/kiln-cli';
import { startTempServer } from '../test/helpers/temp-server';
import { createWorkerPool } from '../worker/main';
import { KilnPipeline, KilnStatus, KilnSweep } from '../workflows/search-attributes';
import type { SweepInput } from '../workflows/sweep';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const GRID_PIPELINE = path.join(HERE, '../test/fixtures/pipelines/bench-sweep-finetune.yaml');
const RUNS = 16;
const PARALLEL = [16, 4];
const REPEATS = 5;
const QUEUE = 'bench-sweep';
const TARGET_OVERHEAD_MS = 1_000;
const QUICK = process.argv.includes('--quick');

const say = (line: string): void => void process.stderr.write(`${line}\n`);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, digits = 0): number => Number(x.toFixed(digits));
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

const benchSteps: Record<string, StepType> = {
  'bench/noop@v1': defineStep(async ({ input }) => ({ value: Number(input.inputs.value ?? 0) + 1 })),
};

/** One trivial step; uncached, so that every run of the sweep executes it rather than hitting the first run's. */
function trivialPlan(i: number): Plan {
  return fakePlan('bench-sweep-trivial', [fakeStep('s0', 'bench/noop@v1', { value: i }, QUEUE, { cache: false })]);
}

/** Server-side span of a finished workflow: its first and last history events (ms since the epoch). */
async function span(client: Client, workflowId: string): Promise<{ start: number; end: number }> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const time = (i: number): number => {
    const t = events[i]!.eventTime!;
    return Number(t.seconds) * 1000 + (t.nanos ?? 0) / 1e6;
  };
  return { start: time(0), end: time(events.length - 1) };
}

/**
 * The sweep's lanes, rebuilt from its children's spans: after the first run, each lane starts its next run when its
 * last one closes, so a child belongs to the lane whose last run closed latest before it started.
 */
function slowestLaneMs(children: Array<{ start: number; end: number }>, lanes: number): number {
  const [first, ...rest] = children;
  const ends: number[] = [];
  const totals: number[] = [];
  for (const child of [...rest].sort((a, b) => a.start - b.start)) {
    const free = ends.map((end, i) => ({ end, i })).filter((l) => l.end <= child.start).sort((a, b) => b.end - a.end)[0];
    const lane = ends.length < lanes || !free ? ends.length : free.i;
    ends[lane] = child.end;
    totals[lane] = (totals[lane] ?? 0) + child.end - child.start;
  }
  return first!.end - first!.start + Math.max(0, ...totals);
}

interface SweepSample {
  sweep_ms: number;
  children_sum_ms: number;
  critical_path_ms: number;
  overhead_ms: number;
}

async function sweepOnce(client: Client, maxParallel: number): Promise<SweepSample> {
  const input: SweepInput = {
    sweepId: newRunId('bench-sweep-trivial-sweep'),
    pipeline: 'bench-sweep-trivial',
    runs: Array.from({ length: RUNS }, (_, i) => ({ runId: newRunId('bench-sweep-trivial'), params: { i }, plan: trivialPlan(i) })),
    maxParallel,
    failFast: false,
    options: {},
  };
  // As startSweep does, less the memo: the same search attributes, on the bench's queue.
  const handle = await client.workflow.start('sweepWorkflow', {
    workflowId: input.sweepId,
    taskQueue: QUEUE,
    args: [input],
    typedSearchAttributes: new TypedSearchAttributes([
      { key: KilnPipeline, value: input.pipeline },
      { key: KilnSweep, value: input.sweepId },
      { key: KilnStatus, value: 'running' },
    ]),
  });
  await handle.result();
  const sweep = await span(client, input.sweepId);
  const children = await Promise.all(input.runs.map((run) => span(client, run.runId)));
  const criticalPath = slowestLaneMs(children, Math.min(maxParallel, RUNS - 1));
  const sweepMs = sweep.end - sweep.start;
  return { sweep_ms: sweepMs, children_sum_ms: sum(children.map((c) => c.end - c.start)), critical_path_ms: criticalPath, overhead_ms: sweepMs - criticalPath };
}

async function overhead(address: string) {
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const pool = await createWorkerPool({ address, namespace: 'default', queues: [QUEUE], extraActivities: benchSteps, maxConcurrentActivities: RUNS });
  const poolRunning = pool.run();
  try {
    say('overhead: one trivial run alone…');
    const alone: number[] = [];
    for (let i = 0; i < REPEATS + 1; i++) {
      const id = await startPipelineRun(client, trivialPlan(0), { taskQueue: QUEUE });
      await client.workflow.getHandle(id).result();
      const s = await span(client, id);
      if (i > 0) alone.push(s.end - s.start); // the first is a warm-up: workflow cache, connections
    }
    say(`  wall ${alone.map((x) => Math.round(x)).join(', ')} ms`);
    const sweeps: Record<string, SweepSample[]> = {};
    for (const maxParallel of PARALLEL) {
      say(`overhead: sweep of ${RUNS} trivial runs, max_parallel ${maxParallel}…`);
      const samples: SweepSample[] = [];
      for (let i = 0; i < REPEATS + 1; i++) {
        const sample = await sweepOnce(client, maxParallel);
        if (i > 0) samples.push(sample);
      }
      say(`  sweep ${samples.map((s) => Math.round(s.sweep_ms)).join(', ')} ms; overhead ${samples.map((s) => Math.round(s.overhead_ms)).join(', ')} ms`);
      sweeps[`max_parallel_${maxParallel}`] = samples;
    }
    return { alone_ms: alone, sweeps };
  } finally {
    pool.shutdown();
    await poolRunning;
    await connection.close();
  }
}

/** The grid fixture without its `matrix:` and `matrix_options:` keys: the same pipeline as a plain run. */
async function withoutMatrix(dir: string): Promise<string> {
  const lines = (await fs.readFile(GRID_PIPELINE, 'utf8')).split('\n');
  const kept: string[] = [];
  let skipping = false;
  for (const line of lines) {
    if (/^\S/.test(line)) skipping = /^(matrix|matrix_options):/.test(line);
    if (!skipping) kept.push(line);
  }
  const file = path.join(dir, path.basename(GRID_PIPELINE));
  await fs.writeFile(file, kept.join('\n'));
  return file;
}

interface SweepJson {
  sweepId: string;
  status: string;
  runs: Array<{ runId: string; params: Record<string, unknown>; status: string }>;
}

async function finetuneGrid() {
  say('fine-tuning grid: one sweep, cold home…');
  const a = await startTempServer('kiln-bench-sweep-grid-', say);
  let sweepWall: number;
  let result: SweepJson;
  let sweepServerMs: number;
  try {
    const t0 = performance.now();
    const run = await kiln(['run', GRID_PIPELINE, '--json'], { env: a.env, timeoutMs: 1_200_000 });
    sweepWall = performance.now() - t0;
    if (run.code !== 0) throw new Error(`the sweep of ${GRID_PIPELINE} failed:\n${run.stderr}\n${run.stdout}`);
    result = JSON.parse(run.stdout) as SweepJson;
    const connection = await Connection.connect({ address: a.info.address });
    const s = await span(new Client({ connection }), result.sweepId);
    sweepServerMs = s.end - s.start;
    await connection.close();
    say(`  ${Math.round(sweepWall)} ms (${result.status}, ${result.runs.map((r) => r.status).join(' ')})`);
  } finally {
    await a.stop({ remove: true });
  }

  say('fine-tuning grid: four sequential runs, another cold home…');
  const b = await startTempServer('kiln-bench-sweep-seq-', say);
  const sequential: Array<{ params: Record<string, unknown>; wall_ms: number; workflow_ms: number; cached_steps: number }> = [];
  try {
    const file = await withoutMatrix(b.home);
    for (const { params } of result.runs) {
      const set = Object.entries(params).flatMap(([name, value]) => ['--set', `${name}=${String(value)}`]);
      const t0 = performance.now();
      const run = await kiln(['run', file, ...set, '--json'], { env: b.env, timeoutMs: 1_200_000 });
      const wall = performance.now() - t0;
      if (run.code !== 0) throw new Error(`kiln run ${set.join(' ')} failed:\n${run.stderr}\n${run.stdout}`);
      const state = JSON.parse(run.stdout) as { startedAt: string; endedAt: string; steps: Array<{ cached: boolean }> };
      sequential.push({ params, wall_ms: round(wall), workflow_ms: Date.parse(state.endedAt) - Date.parse(state.startedAt), cached_steps: state.steps.filter((s) => s.cached).length });
      say(`  ${set.join(' ')}: ${Math.round(wall)} ms (${sequential.at(-1)!.cached_steps} cached steps)`);
    }
  } finally {
    await b.stop({ remove: true });
  }
  const sequentialWall = sum(sequential.map((r) => r.wall_ms));
  return {
    pipeline: path.relative(path.join(HERE, '..'), GRID_PIPELINE),
    sweep: { sweep_id: result.sweepId, status: result.status, wall_ms: round(sweepWall), workflow_ms: round(sweepServerMs), runs: result.runs.map(({ params, status }) => ({ params, status })) },
    sequential: { wall_ms: round(sequentialWall), workflow_ms: sum(sequential.map((r) => r.workflow_ms)), runs: sequential },
    sweep_over_sequential: round(sweepWall / sequentialWall, 2),
  };
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n');
}

async function main(): Promise<void> {
  const server = await startTempServer('kiln-bench-sweep-', say);
  // The worker pool's activities use KILN_HOME's store: the bench's own, not the user's.
  process.env.KILN_HOME = server.home;
  let o: Awaited<ReturnType<typeof overhead>>;
  try {
    o = await overhead(server.info.address);
  } finally {
    await server.stop({ remove: true });
  }
  const grid = QUICK ? undefined : await finetuneGrid();

  const aloneMs = median(o.alone_ms);
  const summary = Object.fromEntries(
    Object.entries(o.sweeps).map(([name, samples]) => [
      name,
      {
        median_sweep_ms: round(median(samples.map((s) => s.sweep_ms))),
        median_children_sum_ms: round(median(samples.map((s) => s.children_sum_ms))),
        median_critical_path_ms: round(median(samples.map((s) => s.critical_path_ms))),
        median_overhead_ms: round(median(samples.map((s) => s.overhead_ms))),
      },
    ]),
  );
  const rows = [['measurement', 'wall (median)', 'runs: Σ / critical path', 'overhead (wall − critical path)', '− 1 run alone', 'target', 'ok']];
  rows.push([`1 trivial run alone`, `${round(aloneMs)} ms`, '', '', '', '', '']);
  for (const maxParallel of PARALLEL) {
    const s = summary[`max_parallel_${maxParallel}`]!;
    rows.push([
      `sweep of ${RUNS} trivial runs, max_parallel ${maxParallel}`,
      `${s.median_sweep_ms} ms`,
      `${s.median_children_sum_ms} / ${s.median_critical_path_ms} ms`,
      `${s.median_overhead_ms} ms`,
      `${round(s.median_sweep_ms - aloneMs)} ms`,
      `< ${TARGET_OVERHEAD_MS} ms`,
      s.median_overhead_ms < TARGET_OVERHEAD_MS ? 'yes' : 'NO',
    ]);
  }
  if (grid) {
    const pad = ['', '', '', '', ''];
    rows.push(['2×2 fine-tuning grid, one sweep', `${grid.sweep.wall_ms} ms`, ...pad]);
    rows.push(['same grid, 4 sequential kiln runs', `${grid.sequential.wall_ms} ms`, ...pad]);
    rows.push(['sweep ÷ sequential', `${grid.sweep_over_sequential}×`, ...pad]);
  }
  console.log(table(rows));

  const results = {
    benchmark: 'sweep',
    date: new Date().toISOString(),
    machine: { cpus: os.availableParallelism(), load_average_1m: round(os.loadavg()[0]!, 2), node: process.version },
    runs: RUNS,
    repeats: REPEATS,
    overhead: {
      alone_ms: o.alone_ms.map((x) => round(x, 1)),
      median_alone_ms: round(aloneMs, 1),
      ...Object.fromEntries(
        Object.entries(o.sweeps).map(([name, samples]) => [
          name,
          { ...summary[name], samples: samples.map((s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, round(v, 1)]))) },
        ]),
      ),
    },
    ...(grid ? { finetune_grid: grid } : {}),
  };
  await fs.mkdir(path.join(HERE, 'results'), { recursive: true });
  await fs.writeFile(path.join(HERE, 'results', 'sweep.json'), JSON.stringify(results, null, 2) + '\n');
  say(`wrote ${path.join(HERE, 'results', 'sweep.json')}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
