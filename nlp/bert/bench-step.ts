// Times trainStep on BERT-tiny or BERT-mini (configs A and B of reference/TFJS-WASM.md: L2 H128 A2 I512 and
// L4 H256 A4 I1024, V8192, seq 128, batch 16, 20 predictions); --profile counts the kernels of one step by name
// (what to look at before optimising: on a native backend a step is bound by how many ops it dispatches).
// Prints, asserts nothing; `npm run bench training` is the benchmark with its anchors.
// Usage: npx tsx nlp/bert/bench-step.ts [--backend auto|wasm|cpu|tfjs-node|tfjs-node-gpu] [--config tiny|mini] [--steps 3] [--profile]
import * as tf from '@tensorflow/tfjs-core';

import { initBackend, type BackendChoice } from '../backend';
import type { PretrainingBatch } from './batch';
import { resolveBertConfig } from './config';
import { createBertModel } from './model';
import { AdamW } from './optimizer';
import { resolveAdamWConfig } from './optimizer-config';
import { CounterRng } from './rng';
import { trainStep } from './train-step';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

function syntheticBatch(vocab: number, b: number, s: number, p: number, rng: CounterRng): PretrainingBatch {
  const int = (n: number) => rng.nextUint32() % n;
  const batch: PretrainingBatch = {
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
  return batch;
}

/** Kernels of one call of `fn` by name: calls and summed kernel time, the most expensive first. */
async function profileStep(fn: () => tf.TensorContainer): Promise<void> {
  const info = await tf.profile(fn);
  const byName = new Map<string, { calls: number; ms: number }>();
  for (const k of info.kernels) {
    const row = byName.get(k.name) ?? { calls: 0, ms: 0 };
    row.calls++;
    row.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    byName.set(k.name, row);
  }
  const rows = [...byName].sort((a, b) => b[1].ms - a[1].ms);
  const total = rows.reduce((sum, [, r]) => sum + r.ms, 0);
  console.log(`${info.kernels.length} kernel calls, ${total.toFixed(0)} ms of kernel time`);
  for (const [name, r] of rows.slice(0, 25)) console.log(`  ${name.padEnd(28)} ${String(r.calls).padStart(6)} calls ${r.ms.toFixed(1).padStart(8)} ms`);
}

async function main(): Promise<void> {
  const info = await initBackend(arg('backend', 'wasm') as BackendChoice);
  const steps = Number(arg('steps', '3'));
  const mini = arg('config', 'tiny') === 'mini';
  const config = resolveBertConfig(
    mini
      ? { vocab_size: 8192, hidden_size: 256, num_layers: 4, num_heads: 4, intermediate_size: 1024 }
      : { vocab_size: 8192, hidden_size: 128, num_layers: 2, num_heads: 2, intermediate_size: 512 },
  );
  const [b, s, p] = [16, 128, 20];
  const model = createBertModel(config, 1);
  const optimizer = new AdamW(model.variables, resolveAdamWConfig({ total_steps: 1000, learning_rate: 1e-3 }));
  const rng = CounterRng.fromSeed(1, 'dropout');
  const batch = syntheticBatch(config.vocab_size, b, s, p, CounterRng.fromSeed(1, 'bench-batch'));
  console.log(JSON.stringify({ backend: info, config: mini ? 'B (mini)' : 'A (tiny)', batch: b, seq: s, predictions: p }));

  trainStep(model, optimizer, batch, rng); // warmup: kernel setup, heap growth
  if (process.argv.includes('--profile')) await profileStep(() => {
    trainStep(model, optimizer, batch, rng);
    return [];
  });
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    const m = trainStep(model, optimizer, batch, rng);
    times.push(performance.now() - t0);
    console.log(`step ${i}: ${times[i]!.toFixed(0)} ms, loss ${m.loss.toFixed(4)}, tensors ${tf.memory().numTensors}`);
  }
  const mean = times.reduce((a, c) => a + c, 0) / times.length;
  console.log(JSON.stringify({ msPerStep: Math.round(mean), tokensPerSec: Math.round((b * s) / (mean / 1000)) }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
