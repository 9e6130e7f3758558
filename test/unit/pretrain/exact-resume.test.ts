// ARCHITECTURE.md §5: a run interrupted after step k and resumed reaches the same weights as an
// uninterrupted run, bit for bit, on the same backend (and, on native TensorFlow, the same thread count).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { initBackend, type BackendInfo, type BackendName } from '../../../nlp/backend';
import { readMetrics, type MetricsRecord } from '../../../nlp/bert/metrics-log';
import { disposeBertModel, type BertModel } from '../../../nlp/bert/model';
import { decodeCheckpoint } from '../../../nlp/bert/train-checkpoint';
import { runPretraining } from '../../../nlp/bert/train-loop';
import { CheckpointStore } from '../../../store/checkpoints';
import { nativeBackendForTests } from '../bert/native';
import { memorySource, testPermutation, tinyConfig } from './helpers';

const native = nativeBackendForTests();
const BACKENDS: BackendName[] = native.run ? ['wasm', native.name] : ['wasm'];

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-resume-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

// 5 instances with batch 2: an epoch boundary (and a skipped tail) falls inside the resumed part.
const config = tinyConfig({ steps: 8, checkpoint_every: 3, log_every: 2, eval_every: 4, eval_batches: 1 }, 5);
const identity = { seed: config.training.seed };

function weights(model: BertModel): Map<string, Float32Array> {
  return new Map(model.variables.map((v) => [v.name, new Float32Array(v.variable.dataSync() as Float32Array)]));
}

/** Metrics without the wall-clock fields, which no two runs share. */
function deterministic(records: MetricsRecord[]): object[] {
  return records.map((r) => {
    const { elapsed: _e, ...rest } = r as MetricsRecord & { tokens_per_sec?: number };
    delete (rest as { tokens_per_sec?: number }).tokens_per_sec;
    return rest;
  });
}

async function train(backend: BackendInfo, name: string, crashAfter?: number, logs: string[] = []) {
  const store = new CheckpointStore(path.join(dir, name));
  const latest = await store.latestVerified({ config: identity });
  return runPretraining({
    config,
    train: memorySource(5, 1),
    validation: memorySource(4, 2),
    permutation: testPermutation,
    metricsFile: path.join(dir, `${name}.jsonl`),
    checkpoints: { save: (step, files) => store.save(step, files, identity) },
    resume: latest ? decodeCheckpoint(latest.files) : null,
    onProgress: (p) => {
      if (p.step === crashAfter) throw new Error('simulated crash');
    },
    computedOn: { backend: backend.name, threads: backend.threads },
    log: (line) => logs.push(line),
  });
}

for (const name of BACKENDS) describe(`on ${name}`, () => {
  let backend: BackendInfo;
  beforeAll(async () => {
    backend = await initBackend(name);
  });

  it('crash after step 5, resume from the step-3 checkpoint, train to 8: bit-identical to a straight run', async () => {
    const straight = await train(backend, `${name}-straight`);
    expect(straight.resumedFrom).toBeNull();

    await expect(train(backend, `${name}-interrupted`, 5)).rejects.toThrow('simulated crash');
    const logs: string[] = [];
    const resumed = await train(backend, `${name}-interrupted`, undefined, logs);
    expect(logs.filter((l) => l.startsWith('warning'))).toEqual([]); // same backend and threads
    expect(resumed.resumedFrom).toBe(3);
    expect(resumed.step).toBe(8);

    const a = weights(straight.model);
    const b = weights(resumed.model);
    expect([...b.keys()]).toEqual([...a.keys()]);
    expect(a.size).toBeGreaterThan(10);
    for (const [name, values] of a) {
      const other = b.get(name)!;
      // Buffer comparison is bit-exact (it tells -0 from 0 and compares NaN payloads).
      expect(Buffer.from(other.buffer).equals(Buffer.from(values.buffer)), name).toBe(true);
    }
    // The metrics read as one run: the lines the crashed attempt wrote after step 3 were replaced.
    const straightLines = readMetrics(path.join(dir, `${name}-straight.jsonl`));
    expect(straightLines.map((l) => `${l.split}@${l.step}`)).toEqual(['train@2', 'train@4', 'validation@4', 'train@6', 'train@8', 'validation@8']);
    expect(deterministic(readMetrics(path.join(dir, `${name}-interrupted.jsonl`)))).toEqual(deterministic(straightLines));
    expect(resumed.finalEval!.mlm_loss).toBe(straight.finalEval!.mlm_loss);

    disposeBertModel(straight.model);
    disposeBertModel(resumed.model);
  });

  it('a resume with another thread count says its bits will differ', async () => {
    await expect(train(backend, `${name}-threads`, 5)).rejects.toThrow('simulated crash');
    const logs: string[] = [];
    const resumed = await train({ ...backend, threads: backend.threads + 1 }, `${name}-threads`, undefined, logs);
    expect(logs.find((l) => l.startsWith('warning'))).toMatch(new RegExp(`computed on ${name} with ${backend.threads} thread\\(s\\), this attempt runs on ${name} with ${backend.threads + 1}`));
    disposeBertModel(resumed.model);
  });
});
