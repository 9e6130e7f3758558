// Durability benchmark: failover after a worker is SIGKILLed mid-training, steps lost, the cost of a checkpoint
// for BERT-tiny and BERT-mini against their training step. (The fully cached re-run is bench/orchestration.ts's.)
// Starts its own Temporal dev server in a temp KILN_HOME on free ports; prints a table, writes
// bench/results/durability.json. Run: `npm run bench durability` or `npx tsx bench/durability.ts`.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { initBackend } from '../nlp/backend';
import type { PretrainingBatch } from '../nlp/bert/batch';
import { START } from '../nlp/bert/data-order';
import { emptyWindow } from '../nlp/bert/metrics-window';
import { createBertModel, disposeBertModel } from '../nlp/bert/model';
import { AdamW } from '../nlp/bert/optimizer';
import { CounterRng } from '../nlp/bert/rng';
import { decodeCheckpoint, encodeCheckpoint } from '../nlp/bert/train-checkpoint';
import { stepDefaults } from '../compiler/step-inputs';
import { pretrainConfig, resumeIdentity } from '../nlp/bert/train-config';
import { trainStep } from '../nlp/bert/train-step';
import { CheckpointStore } from '../store/checkpoints';
import { killAll } from '../test/helpers/processes';
import { referenceModelDigest } from '../test/helpers/reference-run';
import { startTempServer } from '../test/helpers/temp-server';
import { killTrainingWorker } from '../test/helpers/worker-death';

const here = path.dirname(fileURLToPath(import.meta.url));
const FAILOVER_PIPELINE = path.join(here, '../test/fixtures/pipelines/durability.yaml'); // checkpoint_every 5
const HEARTBEAT_TIMEOUT_MS = 5_000; // durability.yaml's pretrain heartbeat_timeout
const CHECKPOINT_EVERY = 5;

const say = (line: string): void => void process.stderr.write(`${line}\n`);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, digits = 0): number => Number(x.toFixed(digits));

// (a) + (b): SIGKILL the training worker, measure until the other worker makes progress.
async function failover(env: NodeJS.ProcessEnv, address: string) {
  say('failover: reference run…');
  const reference = await referenceModelDigest(FAILOVER_PIPELINE, { env });
  say('failover: run, two workers, SIGKILL the training one…');
  const r = await killTrainingWorker({ pipeline: FAILOVER_PIPELINE, env, address, log: (line) => say(`  ${line}`) });
  const model = (r.final.steps.find((s) => s.id === 'pretrain')?.outputs?.model as { digest?: string } | undefined)?.digest;
  return {
    status: r.final.status,
    kill_to_retry_start_ms: r.retryStartMs,
    kill_to_resume_logged_ms: r.resumeLoggedMs,
    kill_to_first_step_ms: r.firstStepMs,
    kill_to_progress_heartbeat_ms: r.progressMs,
    heartbeat_timeout_ms: HEARTBEAT_TIMEOUT_MS,
    last_step_before_kill: r.lastStepBeforeKill,
    last_heartbeat_step_before_kill: r.lastSeenStep,
    resumed_from_step: r.resumedFrom,
    steps_lost: r.lastStepBeforeKill - r.resumedFrom,
    checkpoint_every: CHECKPOINT_EVERY,
    weights_identical: model === reference,
  };
}

// (c): checkpoint cost against training step time, measured with the library on real model and optimizer state.
const VOCAB = 8000;
const SEQ = 128;
const BATCH = 16;
const PREDICTIONS = 20;
const MODELS = [
  { name: 'BERT-tiny', shape: 'L2 H128 A2 I512', model: { hidden_size: 128, num_layers: 2, num_heads: 2, intermediate_size: 512 }, steps: 3 },
  { name: 'BERT-mini', shape: 'L4 H256 A4 I1024', model: { hidden_size: 256, num_layers: 4, num_heads: 4, intermediate_size: 1024 }, steps: 2 },
];

/** Random ids in the shape bert/pretraining-data produces; the cost of a step does not depend on the values. */
function syntheticBatch(rng: CounterRng): PretrainingBatch {
  const int = (n: number): number => rng.nextUint32() % n;
  return {
    inputIds: new Int32Array(BATCH * SEQ).map(() => 5 + int(VOCAB - 5)),
    segmentIds: new Int32Array(BATCH * SEQ).map((_, i) => (i % SEQ < SEQ / 2 ? 0 : 1)),
    inputMask: new Int32Array(BATCH * SEQ).fill(1),
    maskedPositions: new Int32Array(BATCH * PREDICTIONS).map((_, i) => 1 + (i % PREDICTIONS) * 5),
    maskedIds: new Int32Array(BATCH * PREDICTIONS).map(() => 5 + int(VOCAB - 5)),
    maskedWeights: new Float32Array(BATCH * PREDICTIONS).fill(1),
    nspLabels: new Int32Array(BATCH).map(() => int(2)),
    batchSize: BATCH,
    seqLength: SEQ,
    maxPredictions: PREDICTIONS,
  };
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await fs.readdir(dir)) total += (await fs.stat(path.join(dir, name))).size;
  return total;
}

async function checkpointCost(spec: (typeof MODELS)[number], root: string) {
  say(`checkpoint cost: ${spec.name} (${spec.shape}, vocab ${VOCAB}, seq ${SEQ}, batch ${BATCH})…`);
  const defaults = stepDefaults('bert/pretrain@v1');
  const config = pretrainConfig({ ...defaults, model: { ...defaults.model, ...spec.model }, batch_size: BATCH, steps: 1000, backend: 'wasm' }, { vocabSize: VOCAB, maxSeqLength: SEQ, trainInstances: 1000 });
  const model = createBertModel(config.model, 1);
  const optimizer = new AdamW(model.variables, config.optimizer);
  const rng = CounterRng.fromSeed(1, 'dropout');
  const batch = syntheticBatch(CounterRng.fromSeed(1, 'bench-batch'));
  const store = new CheckpointStore(path.join(root, spec.name), { keep: 2 });
  const identity = resumeIdentity(config, { data: 'bench', tokenizer: 'bench' });
  const stepMs: number[] = [];
  const encodeMs: number[] = [];
  const saveMs: number[] = [];
  let bytes = 0;
  const params = model.variables.reduce((n, { variable }) => n + variable.size, 0);
  try {
    trainStep(model, optimizer, batch, rng); // warmup: kernel setup, heap growth
    for (let i = 0; i < spec.steps; i++) {
      const t0 = performance.now();
      trainStep(model, optimizer, batch, rng);
      const t1 = performance.now();
      // What the training loop does at each checkpoint: encode the state, then save it durably and register it.
      const loop = { step: optimizer.step, cursor: { ...START }, window: emptyWindow(), elapsed_ms: 0, last_train: null, last_eval: null };
      const files = encodeCheckpoint(model, optimizer, { dropout: rng.state() }, loop, config);
      const t2 = performance.now();
      const record = await store.save(loop.step, files, identity);
      const t3 = performance.now();
      stepMs.push(t1 - t0);
      encodeMs.push(t2 - t1);
      saveMs.push(t3 - t2);
      bytes = await dirBytes(record.path);
    }
    const latest = await store.latestVerified({ config: identity });
    if (decodeCheckpoint(latest!.files).loop.step !== optimizer.step) throw new Error('the checkpoint does not read back');
  } finally {
    disposeBertModel(model);
    optimizer.dispose();
  }
  const checkpointMs = median(encodeMs) + median(saveMs);
  return {
    model: spec.name,
    shape: `${spec.shape}, vocab ${VOCAB}, seq ${SEQ}, batch ${BATCH}`,
    parameters: params,
    checkpoint_bytes: bytes,
    encode_ms: round(median(encodeMs)),
    save_ms: round(median(saveMs)),
    checkpoint_ms: round(checkpointMs),
    step_ms: round(median(stepMs)),
    overhead_pct_at_every_100: round((100 * checkpointMs) / (100 * median(stepMs)), 3),
  };
}

function table(rows: Array<[string, string, string, boolean | null]>): string {
  const head: [string, string, string, string] = ['metric', 'measured', 'target', 'ok'];
  const cells = [head, ...rows.map(([a, b, c, ok]) => [a, b, c, ok === null ? '' : ok ? 'yes' : 'NO'])];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n');
}

async function main(): Promise<void> {
  const server = await startTempServer('kiln-bench-durability-', say);
  let f: Awaited<ReturnType<typeof failover>>;
  try {
    f = await failover(server.env, server.info.address);
  } finally {
    await killAll();
    await server.stop({ remove: true });
  }
  const backend = await initBackend('wasm');
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-bench-checkpoints-'));
  const checkpoints = [];
  try {
    for (const spec of MODELS) checkpoints.push(await checkpointCost(spec, root));
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }

  const failoverTarget = f.heartbeat_timeout_ms + 5_000;
  const rows: Array<[string, string, string, boolean | null]> = [
    ['(a) SIGKILL → attempt 2 started on the other worker', `${f.kill_to_retry_start_ms} ms`, '', null],
    ['(a) SIGKILL → attempt 2 loaded its checkpoint', `${f.kill_to_resume_logged_ms} ms`, '', null],
    ['(a) SIGKILL → first training step on the other worker', `${f.kill_to_first_step_ms} ms`, `≤ ${failoverTarget} ms`, f.kill_to_first_step_ms <= failoverTarget],
    ['(a) SIGKILL → progress visible in kiln status (heartbeat)', `${f.kill_to_progress_heartbeat_ms} ms`, '', null],
    ['(b) training steps lost', `${f.steps_lost} (step ${f.last_step_before_kill} → resumed at ${f.resumed_from_step})`, `≤ ${CHECKPOINT_EVERY}`, f.steps_lost <= CHECKPOINT_EVERY],
    ['(b) final weights identical to an uninterrupted run', String(f.weights_identical), 'true', f.weights_identical],
    ...checkpoints.flatMap((c): Array<[string, string, string, boolean | null]> => [
      [`(c) ${c.model} checkpoint`, `${(c.checkpoint_bytes / 1e6).toFixed(1)} MB, ${c.checkpoint_ms} ms (encode ${c.encode_ms} + save ${c.save_ms})`, '', null],
      [`(c) ${c.model} overhead at checkpoint_every 100`, `${c.overhead_pct_at_every_100}% (step ${c.step_ms} ms)`, '< 5%', c.overhead_pct_at_every_100 < 5],
    ]),
  ];
  console.log(table(rows));
  const results = {
    benchmark: 'durability',
    date: new Date().toISOString(),
    machine: { cpus: os.availableParallelism(), load_average_1m: round(os.loadavg()[0]!, 2), node: process.version, backend },
    failover: f,
    checkpoint_cost: checkpoints,
  };
  await fs.mkdir(path.join(here, 'results'), { recursive: true });
  await fs.writeFile(path.join(here, 'results', 'durability.json'), JSON.stringify(results, null, 2) + '\n');
  say(`wrote ${path.join(here, 'results', 'durability.json')}`);
}

// Exit explicitly: a stray handle (a gRPC channel, a timer) must not keep a finished benchmark alive.
main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
