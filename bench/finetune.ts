// Fine-tuning throughput of BERT-tiny (L2 H128 A2 I512, vocab 8000) on the default backend: examples/s and
// tokens/s at seq 64, batch 32, the quickstart's fine-tuning shape. Prints a table, writes bench/results/finetune.json.
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { initBackend } from '../nlp/backend';
import { stepDefaults } from '../compiler/step-inputs';
import { bertConfig } from '../nlp/bert/config';
import { createBertModel } from '../nlp/bert/model';
import { AdamW } from '../nlp/bert/optimizer';
import { adamWConfig } from '../nlp/bert/optimizer-config';
import { CounterRng } from '../nlp/bert/rng';
import { collate } from '../nlp/finetune/batch';
import { createClassifierModel } from '../nlp/finetune/model';
import { finetuneStep, predictLogProbabilities } from '../nlp/finetune/step';

const SEQ = 64;
const BATCH = 32;
const WARMUP = 2;
const STEPS = 8;

const backend = await initBackend('auto');
const defaults = stepDefaults('bert/pretrain@v1');
const config = bertConfig({ ...defaults.model, hidden_size: 128, num_layers: 2, num_heads: 2, intermediate_size: 512 }, 8000);
const model = createClassifierModel(createBertModel(config, 1), 2, 1);
const optimizer = new AdamW(model.variables, adamWConfig({ ...defaults.optimizer, learning_rate: 5e-4, warmup_steps: 0 }, WARMUP + STEPS));
const rng = CounterRng.fromSeed(7, 'bench-dropout');
const examples = Array.from({ length: BATCH }, (_, i) => ({
  ids: Array.from({ length: SEQ }, (_, j) => (j === 0 ? 2 : 5 + ((i * 31 + j * 17) % 7990))),
  segmentIds: new Array<number>(SEQ).fill(0),
  label: i % 2,
}));
const batch = collate(examples, 0);

for (let i = 0; i < WARMUP; i++) finetuneStep(model, optimizer, batch, rng);
let t = performance.now();
for (let i = 0; i < STEPS; i++) finetuneStep(model, optimizer, batch, rng);
const trainMs = (performance.now() - t) / STEPS;
t = performance.now();
for (let i = 0; i < STEPS; i++) predictLogProbabilities(model, batch);
const inferMs = (performance.now() - t) / STEPS;

const rows = [
  { phase: 'train step', ms_per_batch: trainMs, examples_per_sec: (BATCH * 1000) / trainMs, tokens_per_sec: (BATCH * SEQ * 1000) / trainMs },
  { phase: 'inference', ms_per_batch: inferMs, examples_per_sec: (BATCH * 1000) / inferMs, tokens_per_sec: (BATCH * SEQ * 1000) / inferMs },
];
console.log(`BERT-tiny fine-tuning, backend ${backend.name}, seq ${SEQ}, batch ${BATCH}, ${STEPS} timed steps`);
console.log('phase        ms/batch  examples/s  tokens/s');
for (const r of rows) {
  console.log(`${r.phase.padEnd(12)} ${r.ms_per_batch.toFixed(0).padStart(8)}  ${r.examples_per_sec.toFixed(1).padStart(10)}  ${r.tokens_per_sec.toFixed(0).padStart(8)}`);
}
const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results', 'finetune.json');
await fs.mkdir(path.dirname(out), { recursive: true });
await fs.writeFile(out, JSON.stringify({ backend: backend.name, seq: SEQ, batch: BATCH, steps: STEPS, rows }, null, 2) + '\n');
console.log(`wrote ${path.relative(process.cwd(), out)}`);
