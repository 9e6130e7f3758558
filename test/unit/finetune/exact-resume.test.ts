// ARCHITECTURE.md §5 for fine-tuning: a run that crashes and resumes from its checkpoint ends with the same weights,
// bit for bit, as an uninterrupted run, including the best-so-far weights that early stopping keeps.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, expect, it } from 'vitest';

import { initBackend } from '../../../nlp/backend';
import { readMetrics } from '../../../nlp/bert/metrics-log';
import { createBertModel } from '../../../nlp/bert/model';
import { decodeFinetuneCheckpoint } from '../../../nlp/finetune/checkpoint';
import { runFinetuning } from '../../../nlp/finetune/loop';
import { createClassifierModel, disposeClassifierModel, snapshotWeights } from '../../../nlp/finetune/model';
import type { FinetuneRecord } from '../../../nlp/finetune/records';
import { CheckpointStore } from '../../../store/checkpoints';
import { encoded, fixtureTokenizer, sentimentExamples, tinyFinetuneConfig } from './helpers';

let dir: string;
beforeAll(async () => {
  await initBackend('wasm');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-finetune-resume-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

// 12 steps per epoch, 6 epochs; validation after steps 12, 24, ..., 72; checkpoints at 20, 40, 60 and the end.
// Validation labels are flipped, so the first pass stays the best; patience 0 trains on regardless.
const config = tinyFinetuneConfig({ epochs: 6, checkpoint_every: 20, log_every: 8, early_stopping: { patience: 0, metric: 'loss' } });
const identity = { seed: config.training.seed };

async function finetune(name: string, crashAfter?: number) {
  const store = new CheckpointStore(path.join(dir, name));
  const latest = await store.latestVerified({ config: identity });
  const model = createClassifierModel(createBertModel(config.model, config.training.seed), 2, config.training.seed);
  return runFinetuning({
    config,
    model,
    train: encoded(sentimentExamples(60)),
    validation: encoded(sentimentExamples(20, 1000, true)),
    padId: fixtureTokenizer().specialIds.pad,
    metricsFile: path.join(dir, `${name}.jsonl`),
    checkpoints: { save: (step, files) => store.save(step, files, identity) },
    resume: latest ? decodeFinetuneCheckpoint(latest.files) : null,
    onProgress: (p) => {
      if (p.step === crashAfter) throw new Error('simulated crash');
    },
  });
}

/** Metrics without the wall-clock fields, which no two runs share. */
function deterministic(file: string): object[] {
  return readMetrics<FinetuneRecord>(file).map(({ elapsed: _e, ...rest }) => ({ ...rest, examples_per_sec: 0 }));
}

it('crash after step 50, resume from the step-40 checkpoint (which holds the best weights of step 12): bit-identical', async () => {
  const straight = await finetune('straight');
  expect(straight.resumedFrom).toBeNull();
  expect(straight.step).toBe(72);
  expect(straight.best!.step).toBe(12); // so the resumed run must restore it from the checkpoint's best.bin

  await expect(finetune('interrupted', 50)).rejects.toThrow('simulated crash');
  const resumed = await finetune('interrupted');
  expect(resumed.resumedFrom).toBe(40);
  expect(resumed.step).toBe(72);
  expect(resumed.best).toEqual({ ...straight.best, elapsed: resumed.best!.elapsed });

  const a = snapshotWeights(straight.model);
  const b = snapshotWeights(resumed.model);
  expect([...b.keys()]).toEqual([...a.keys()]);
  expect([...a.keys()].slice(-2)).toEqual(['classifier/kernel', 'classifier/bias']);
  for (const [name, values] of a) {
    // Buffer comparison is bit-exact (it tells -0 from 0 and compares NaN payloads).
    expect(Buffer.from(b.get(name)!.buffer).equals(Buffer.from(values.buffer)), name).toBe(true);
  }
  // The final checkpoints agree too: the last weights and AdamW moments at step 72, and the best weights kept.
  for (const file of ['state.bin', 'best.bin']) {
    const bytes = await Promise.all(['straight', 'interrupted'].map((name) => fs.readFile(path.join(dir, name, 'step-72', file))));
    expect(bytes[1]!.equals(bytes[0]!), file).toBe(true);
  }
  const lines = readMetrics<FinetuneRecord>(path.join(dir, 'straight.jsonl'));
  expect(lines.filter((l) => l.split === 'validation').map((l) => l.step)).toEqual([12, 24, 36, 48, 60, 72]);
  expect(lines.filter((l) => l.split === 'train').map((l) => l.step)).toEqual([8, 16, 24, 32, 40, 48, 56, 64, 72]);
  expect(deterministic(path.join(dir, 'interrupted.jsonl'))).toEqual(deterministic(path.join(dir, 'straight.jsonl')));
  disposeClassifierModel(straight.model);
  disposeClassifierModel(resumed.model);
});
