// Orchestration overhead: what kiln's interpreter adds per step, on a real dev server, with trivial steps.
//   chain:   20 steps, each depending on the one before
//   fan-out: 20 independent steps
// overhead per step = (workflow wall time − Σ activity times) / steps, where the wall time runs from the
// WorkflowExecutionStarted event to the completion event (server clock). The raw-SDK anchor runs the same
// shapes as plain workflows (bench/_orchestration-workflows.ts) on the same server in the same run.
// Then the wall time of `kiln run` of a fully cached 6-step pipeline, as a user sees it (process start to exit).
// Run: `npm run bench orchestration`; writes bench/results/orchestration.json.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';

import { defineStep, type StepType } from '../activities/step';
import { startPipelineRun } from '../cli/start-run';
import type { Plan } from '../compiler/types';
import { fakePlan, fakeStep, ref } from '../test/helpers/fake-plan';
import { kiln } from '../test/helpers/kiln-cli';
import { startTempServer } from '../test/helpers/temp-server';
import { createWorkerPool } from '../worker/main';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CACHED_PIPELINE = path.join(HERE, '../test/fixtures/pipelines/durability-cached.yaml');
const STEPS = 20;
const REPEATS = 9;
const QUEUE = 'bench-orchestration';
const RAW_QUEUE = 'bench-orchestration-raw';
const TARGET_CHAIN_MS = 20;
const TARGET_CACHED_MS = 1_500;

const say = (line: string): void => void process.stderr.write(`${line}\n`);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, digits = 1): number => Number(x.toFixed(digits));

/** Activity time of the current run, summed by the activities themselves. */
let activityMs = 0;

const benchSteps: Record<string, StepType> = {
  'bench/noop@v1': defineStep(async ({ input }) => {
    const t0 = performance.now();
    const value = Number(input.inputs.value ?? 0) + 1;
    activityMs += performance.now() - t0;
    return { value };
  }),
};

function chainPlan(): Plan {
  return fakePlan(
    'bench-chain',
    Array.from({ length: STEPS }, (_, i) =>
      fakeStep(`s${i}`, 'bench/noop@v1', { value: i === 0 ? 0 : ref(`s${i - 1}`) }, QUEUE, i === 0 ? {} : { dependsOn: [`s${i - 1}`] }),
    ),
  );
}

function fanoutPlan(): Plan {
  return fakePlan('bench-fanout', Array.from({ length: STEPS }, (_, i) => fakeStep(`s${i}`, 'bench/noop@v1', { value: i }, QUEUE)));
}

/** Server-side wall time of a finished workflow: first event to last. */
async function historyWallMs(client: Client, workflowId: string): Promise<number> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const time = (i: number): number => {
    const t = events[i]!.eventTime!;
    return Number(t.seconds) * 1000 + (t.nanos ?? 0) / 1e6;
  };
  return time(events.length - 1) - time(0);
}

interface Shape {
  wall_ms: number[];
  activity_ms: number[];
  overhead_per_step_ms: number;
}

async function measure(run: () => Promise<string>, client: Client): Promise<Shape> {
  const wall: number[] = [];
  const activity: number[] = [];
  for (let i = 0; i < REPEATS + 1; i++) {
    activityMs = 0;
    const id = await run();
    if (i === 0) continue; // warm-up: first workflow task, connection set-up
    wall.push(await historyWallMs(client, id));
    activity.push(activityMs);
  }
  const overheads = wall.map((w, i) => (w - activity[i]!) / STEPS);
  say(`  wall ${wall.map((x) => Math.round(x)).join(', ')} ms; overhead/step median ${round(median(overheads))} ms`);
  return { wall_ms: wall.map((x) => round(x)), activity_ms: activity.map((x) => round(x, 2)), overhead_per_step_ms: round(median(overheads)) };
}

async function orchestration(address: string) {
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  try {
    // One worker at a time, so neither measurement pays for the other's idle pollers.
    const pool = await createWorkerPool({ address, namespace: 'default', queues: [QUEUE], extraActivities: benchSteps, maxConcurrentActivities: STEPS });
    const poolRunning = pool.run();
    let chain: Shape;
    let fanout: Shape;
    try {
      const kilnRun = (plan: Plan) => async () => {
        const id = await startPipelineRun(client, plan, { taskQueue: QUEUE });
        await client.workflow.getHandle(id).result();
        return id;
      };
      say('orchestration: kiln chain…');
      chain = await measure(kilnRun(chainPlan()), client);
      say('orchestration: kiln fan-out…');
      fanout = await measure(kilnRun(fanoutPlan()), client);
    } finally {
      pool.shutdown();
      await poolRunning;
    }

    const nativeConnection = await NativeConnection.connect({ address });
    const raw = await Worker.create({
      connection: nativeConnection,
      taskQueue: RAW_QUEUE,
      workflowBundle: await bundleWorkflowCode({ workflowsPath: path.join(HERE, '_orchestration-workflows.ts'), logger: quiet }),
      activities: {
        async noop(value: number) {
          const t0 = performance.now();
          activityMs += performance.now() - t0;
          return value + 1;
        },
      },
      maxConcurrentActivityTaskExecutions: STEPS,
    });
    const rawRunning = raw.run();
    try {
      let n = 0;
      const rawRun = (workflow: 'rawChain' | 'rawFanout') => async () => {
        const id = `bench-${workflow}-${process.pid}-${n++}`;
        await client.workflow.execute(workflow, { workflowId: id, taskQueue: RAW_QUEUE, args: [STEPS] });
        return id;
      };
      say('orchestration: raw SDK chain and fan-out…');
      const rawChain = await measure(rawRun('rawChain'), client);
      const rawFanout = await measure(rawRun('rawFanout'), client);
      return { chain, fanout, raw_chain: rawChain, raw_fanout: rawFanout };
    } finally {
      raw.shutdown();
      await rawRunning;
      await nativeConnection.close();
    }
  } finally {
    await connection.close();
  }
}

async function cachedRerun(env: NodeJS.ProcessEnv) {
  say('cached re-run: first run…');
  const first = await kiln(['run', CACHED_PIPELINE, '--json'], { env, timeoutMs: 300_000 });
  if (first.code !== 0) throw new Error(`the first run of ${CACHED_PIPELINE} failed:\n${first.stderr}`);
  const wall: number[] = [];
  const workflow: number[] = [];
  const startup: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    let t0 = performance.now();
    await kiln(['--version'], { env });
    startup.push(performance.now() - t0);
    t0 = performance.now();
    const run = await kiln(['run', CACHED_PIPELINE, '--json'], { env });
    wall.push(performance.now() - t0);
    const state = JSON.parse(run.stdout) as { startedAt: string; endedAt: string; steps: Array<{ cached: boolean }> };
    if (run.code !== 0 || !state.steps.every((s) => s.cached)) throw new Error(`re-run ${i + 1} was not fully cached:\n${run.stdout}`);
    workflow.push(Date.parse(state.endedAt) - Date.parse(state.startedAt));
    say(`  re-run ${i + 1}: ${Math.round(wall[i]!)} ms (workflow ${workflow[i]} ms)`);
  }
  return {
    steps: (JSON.parse(first.stdout) as { steps: unknown[] }).steps.length,
    wall_ms: wall.map((x) => round(x, 0)),
    median_wall_ms: round(median(wall), 0),
    median_workflow_ms: round(median(workflow), 0),
    median_cli_version_ms: round(median(startup), 0),
  };
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n');
}

const ignore = () => undefined;
const quiet = { trace: ignore, debug: ignore, info: ignore, warn: ignore, error: console.error, log: ignore };

async function main(): Promise<void> {
  const server = await startTempServer('kiln-bench-orchestration-', say);
  let o: Awaited<ReturnType<typeof orchestration>>;
  let cached: Awaited<ReturnType<typeof cachedRerun>>;
  try {
    o = await orchestration(server.info.address);
    cached = await cachedRerun(server.env);
  } finally {
    await server.stop({ remove: true });
  }
  const ratio = (a: number, b: number): string => (b > 0 ? `${(a / b).toFixed(2)}×` : '');
  const shapeRow = (name: string, k: Shape, r: Shape, target?: number): string[] => [
    name,
    `${k.overhead_per_step_ms} ms`,
    `${r.overhead_per_step_ms} ms`,
    ratio(k.overhead_per_step_ms, r.overhead_per_step_ms),
    `${median(k.wall_ms)} ms`,
    target === undefined ? '' : `≤ ${target} ms`,
    target === undefined ? '' : k.overhead_per_step_ms <= target ? 'yes' : 'NO',
  ];
  console.log(
    table([
      ['shape', 'kiln overhead/step', 'raw SDK overhead/step', 'kiln÷raw', 'kiln wall (median)', 'target', 'ok'],
      shapeRow(`chain of ${STEPS}`, o.chain, o.raw_chain, TARGET_CHAIN_MS),
      shapeRow(`fan-out of ${STEPS}`, o.fanout, o.raw_fanout),
      [
        `kiln run, ${cached.steps} cached steps`,
        '',
        '',
        '',
        `${cached.median_wall_ms} ms (workflow ${cached.median_workflow_ms} ms)`,
        `< ${TARGET_CACHED_MS} ms`,
        cached.median_wall_ms < TARGET_CACHED_MS ? 'yes' : 'NO',
      ],
    ]),
  );
  const results = {
    benchmark: 'orchestration',
    date: new Date().toISOString(),
    machine: { cpus: os.availableParallelism(), load_average_1m: round(os.loadavg()[0]!, 2), node: process.version },
    steps: STEPS,
    repeats: REPEATS,
    ...o,
    cached_rerun: cached,
  };
  await fs.mkdir(path.join(HERE, 'results'), { recursive: true });
  await fs.writeFile(path.join(HERE, 'results', 'orchestration.json'), JSON.stringify(results, null, 2) + '\n');
  say(`wrote ${path.join(HERE, 'results', 'orchestration.json')}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
