// One measurement of bench/training.ts: kiln's pretraining step on one backend and config, alone in its process
// (native TensorFlow reads its thread count once per process, from KILN_THREADS via nlp/native-env.ts).
// Usage: node --import tsx bench/_training-step.ts --backend wasm --config tiny [--warmup 2 --min-steps 8
//   --min-seconds 10 --max-steps 40]. Prints one JSON line on stdout: a ChildResult, or {"unavailable": why}.
//   With --profile, one warm step's kernels by name instead (KILN_THREADS=1 for a single thread).
import { BackendUnavailableError, initBackend, type BackendName } from '../nlp/backend';
import type { PretrainingBatch } from '../nlp/bert/batch';
import { stepDefaults } from '../compiler/step-inputs';
import { bertConfig } from '../nlp/bert/config';
import { createBertModel } from '../nlp/bert/model';
import { AdamW } from '../nlp/bert/optimizer';
import { adamWConfig } from '../nlp/bert/optimizer-config';
import { CounterRng } from '../nlp/bert/rng';
import { trainStep } from '../nlp/bert/train-step';
import { printKernelProfile } from './_training-profile';
import { BERT_SIZES, SHAPE, type BertSize, type ChildResult, type TimingRule } from './_training-shape';

/** Runs `step` under `rule`; returns each timed step's milliseconds. */
function timeSteps(step: () => void, rule: TimingRule): number[] {
  for (let i = 0; i < rule.warmup; i++) step();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < rule.maxSteps && (times.length < rule.minSteps || performance.now() - start < rule.minSeconds * 1000)) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  return times;
}

// Random ids and labels; masked positions 1, 6, 11, … (never [CLS]). The same batch every step.
function syntheticBatch(rng: CounterRng): PretrainingBatch {
  const { vocab, batch: b, seq: s, predictions: p } = SHAPE;
  const int = (n: number) => rng.nextUint32() % n;
  return {
    inputIds: new Int32Array(b * s).map(() => 5 + int(vocab - 5)),
    segmentIds: new Int32Array(b * s).map((_, i) => (i % s < s / 2 ? 0 : 1)),
    inputMask: new Int32Array(b * s).fill(1),
    maskedPositions: new Int32Array(b * p).map((_, i) => 1 + (i % p) * 5),
    maskedIds: new Int32Array(b * p).map(() => 5 + int(vocab - 5)),
    maskedWeights: new Float32Array(b * p).fill(1),
    nspLabels: new Int32Array(b).map(() => int(2)),
    batchSize: b,
    seqLength: s,
    maxPredictions: p,
  };
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

async function main(): Promise<void> {
  const size = arg('config', 'tiny') as BertSize;
  if (!(size in BERT_SIZES)) throw new Error(`--config must be one of ${Object.keys(BERT_SIZES).join(', ')} (got '${size}')`);
  const rule: TimingRule = {
    warmup: Number(arg('warmup', '2')),
    minSteps: Number(arg('min-steps', '8')),
    minSeconds: Number(arg('min-seconds', '10')),
    maxSteps: Number(arg('max-steps', '40')),
  };
  let backend;
  try {
    backend = await initBackend(arg('backend', 'wasm') as BackendName);
  } catch (err) {
    if (!(err instanceof BackendUnavailableError)) throw err;
    console.log(JSON.stringify({ unavailable: err.message.split('\n')[0] }));
    return;
  }
  // kiln's defaults for everything else, dropout 0.1 included: the step users get.
  const defaults = stepDefaults('bert/pretrain@v1');
  const config = bertConfig({ ...defaults.model, ...BERT_SIZES[size] }, SHAPE.vocab);
  const model = createBertModel(config, 1);
  const optimizer = new AdamW(model.variables, adamWConfig({ ...defaults.optimizer, learning_rate: 1e-4, warmup_steps: 0 }, 10_000));
  const dropoutRng = CounterRng.fromSeed(1, 'dropout');
  const batch = syntheticBatch(CounterRng.fromSeed(1, 'bench-batch'));
  let finalLoss = NaN;
  const step = (): void => {
    finalLoss = trainStep(model, optimizer, batch, dropoutRng).loss;
  };
  if (process.argv.includes('--profile')) {
    step(); // warm: kernel set-up, memory growth
    return printKernelProfile(step);
  }
  const stepMs = timeSteps(step, rule);
  const usage = process.resourceUsage();
  const result: ChildResult = {
    stepMs,
    finalLoss,
    peakRssMb: usage.maxRSS / 1024, // KB
    cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6, // µs
    info: { ...backend },
  };
  console.log(JSON.stringify(result));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
