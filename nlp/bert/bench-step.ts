// Times trainStep on BERT-tiny (config A of reference/TFJS-WASM.md: L2 H128 A2 I512, V8192,
// seq 128, batch 16, 20 predictions). Prints, asserts nothing.
// Usage: npx tsx nlp/bert/bench-step.ts [--backend auto|wasm|cpu|tfjs-node|tfjs-node-gpu] [--steps 3]
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

async function main(): Promise<void> {
  const info = await initBackend(arg('backend', 'wasm') as BackendChoice);
  const steps = Number(arg('steps', '3'));
  const config = resolveBertConfig({ vocab_size: 8192, hidden_size: 128, num_layers: 2, num_heads: 2, intermediate_size: 512 });
  const [b, s, p] = [16, 128, 20];
  const model = createBertModel(config, 1);
  const optimizer = new AdamW(model.variables, resolveAdamWConfig({ total_steps: 1000, learning_rate: 1e-3 }));
  const rng = CounterRng.fromSeed(1, 'dropout');
  const batch = syntheticBatch(config.vocab_size, b, s, p, CounterRng.fromSeed(1, 'bench-batch'));
  console.log(JSON.stringify({ backend: info, config: 'A', batch: b, seq: s, predictions: p }));

  trainStep(model, optimizer, batch, rng); // warmup: kernel setup, heap growth
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
