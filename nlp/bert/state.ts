// Training state as named tensors plus JSON: weights, AdamW's moments and step, and RNG states.
// Restoring it continues training bit for bit (ARCHITECTURE.md §5). Writing it to disk atomically
// is the store's job; tensor-file.ts turns the tensors into bytes.
import * as tf from '@tensorflow/tfjs-core';

import { CorruptCheckpointError } from '../training/checkpoint-error';
import type { BertConfig } from './config';
import type { BertModel } from './model';
import type { AdamW } from './optimizer';
import type { AdamWConfig } from './optimizer-config';
import type { RngState } from './rng';
import type { TensorData } from './tensor-file';

export const TRAINING_STATE_FORMAT = 'kiln/bert-training-state@1';

export interface TrainingStateJson {
  format: typeof TRAINING_STATE_FORMAT;
  config: BertConfig;
  optimizer: { config: AdamWConfig; step: number };
  rng: Record<string, RngState>;
}

export interface TrainingState {
  tensors: Map<string, TensorData>;
  json: TrainingStateJson;
}

const M_PREFIX = 'optimizer/m/';
const V_PREFIX = 'optimizer/v/';

export function exportTrainingState(
  model: BertModel,
  optimizer: AdamW,
  rngState: Record<string, RngState>,
): TrainingState {
  const tensors = new Map<string, TensorData>();
  for (const { name, variable } of model.variables) {
    // Copied: the cpu backend's dataSync returns its own buffer.
    tensors.set(name, { values: new Float32Array(variable.dataSync() as Float32Array), shape: [...variable.shape] });
  }
  const opt = optimizer.exportState();
  for (const [name, t] of opt.m) tensors.set(M_PREFIX + name, t);
  for (const [name, t] of opt.v) tensors.set(V_PREFIX + name, t);
  const rng: Record<string, RngState> = {};
  for (const [k, s] of Object.entries(rngState)) rng[k] = { key: s.key, counter: s.counter };
  return {
    tensors,
    json: {
      format: TRAINING_STATE_FORMAT,
      config: { ...model.config },
      optimizer: { config: { ...optimizer.config }, step: opt.step },
      rng,
    },
  };
}

function configDiff(saved: BertConfig, model: BertConfig): string[] {
  const keys = new Set([...Object.keys(saved), ...Object.keys(model)]) as Set<keyof BertConfig>;
  return [...keys].filter((k) => saved[k] !== model[k]).map((k) => `${k} ${saved[k]} (checkpoint) vs ${model[k]} (model)`);
}

function checkTensor(tensors: ReadonlyMap<string, TensorData>, name: string, shape: readonly number[], diff: string): void {
  const t = tensors.get(name);
  const suffix = diff ? `; config differs: ${diff}` : '';
  if (!t) throw new CorruptCheckpointError(`checkpoint has no tensor '${name}'${suffix}`, name);
  if (!tf.util.arraysEqual(t.shape, [...shape])) {
    throw new CorruptCheckpointError(
      `checkpoint tensor '${name}' has shape [${t.shape}], the model expects [${shape}]${suffix}`,
      name,
    );
  }
  if (!(t.values instanceof Float32Array) || t.values.length !== tf.util.sizeFromShape([...shape])) {
    throw new CorruptCheckpointError(`checkpoint tensor '${name}' is not float32 with ${tf.util.sizeFromShape([...shape])} values`, name);
  }
}

function checkJson(json: TrainingStateJson): void {
  if (json?.format !== TRAINING_STATE_FORMAT) {
    throw new CorruptCheckpointError(`training state format is ${JSON.stringify(json?.format)}, expected '${TRAINING_STATE_FORMAT}'`);
  }
  const step = json.optimizer?.step;
  if (!Number.isSafeInteger(step) || step < 0) throw new CorruptCheckpointError(`optimizer step ${JSON.stringify(step)} is invalid`);
  for (const [k, s] of Object.entries(json.rng ?? {})) {
    if (!Number.isSafeInteger(s?.key) || !Number.isSafeInteger(s?.counter) || s.counter < 0) {
      throw new CorruptCheckpointError(`RNG state '${k}' is invalid: ${JSON.stringify(s)}`);
    }
  }
}

/**
 * Restores weights and optimizer state into `model` and `optimizer` (built with the same BertConfig)
 * and returns the RNG states. Everything is checked before anything changes; a state that does not
 * fit throws CorruptCheckpointError naming the tensor or config key.
 */
export function importTrainingState(
  model: BertModel,
  optimizer: AdamW,
  state: TrainingState,
): { rngState: Record<string, RngState> } {
  const { tensors, json } = state;
  checkJson(json);
  const diff = configDiff(json.config, model.config).join(', ');
  const expected = new Set<string>();
  for (const { name, variable } of model.variables) {
    for (const full of [name, M_PREFIX + name, V_PREFIX + name]) {
      checkTensor(tensors, full, variable.shape, diff);
      expected.add(full);
    }
  }
  const extra = [...tensors.keys()].find((n) => !expected.has(n));
  if (extra !== undefined) {
    throw new CorruptCheckpointError(`checkpoint has tensor '${extra}' that the model lacks${diff ? `; config differs: ${diff}` : ''}`, extra);
  }
  if (diff) throw new CorruptCheckpointError(`checkpoint was written for a different model config: ${diff}`);

  const m = new Map<string, TensorData>();
  const v = new Map<string, TensorData>();
  for (const { name } of model.variables) {
    m.set(name, tensors.get(M_PREFIX + name)!);
    v.set(name, tensors.get(V_PREFIX + name)!);
  }
  optimizer.importState({ step: json.optimizer.step, m, v });
  for (const { name, variable } of model.variables) {
    const t = tensors.get(name)!;
    tf.tidy(() => variable.assign(tf.tensor(t.values, t.shape, 'float32')));
  }
  return { rngState: structuredClone(json.rng) };
}
