// What a fine-tuning checkpoint holds, as files: state.bin (trained weights and AdamW moments, via nlp/bert/state.ts),
// best.bin (the best-on-validation weights so far, when there was an evaluation) and state.json (optimizer step,
// dropout RNG, data cursor, early-stopping state, metrics so far, the resolved config).
import { CorruptCheckpointError } from '../training/checkpoint-error';
import type { AdamW } from '../bert/optimizer';
import type { RngState } from '../bert/rng';
import { exportTrainingState, type TrainingState, type TrainingStateJson } from '../bert/state';
import { readCheckpointState, STATE_BIN, STATE_JSON } from '../bert/train-checkpoint';
import { deserializeTensors, serializeTensors, type TensorData } from '../bert/tensor-file';
import type { FinetuneConfig } from './config';
import { trainedView, type ClassifierModel } from './model';
import type { FinetuneEvalRecord, FinetuneTrainRecord, FinetuneWindow } from './records';

/** The best-on-validation weights, kept beside the training state (early stopping saves them). */
export const BEST_BIN = 'best.bin';
export const FINETUNE_CHECKPOINT_FORMAT = 'kiln/bert-finetune-checkpoint@1';

/** Where the next batch comes from: batch `batch` of epoch `epoch` (0-based). */
export interface FinetuneCursor {
  epoch: number;
  batch: number;
}

export interface FinetuneLoopState {
  step: number;
  cursor: FinetuneCursor;
  window: FinetuneWindow; // train metrics not yet written as a line
  elapsed_ms: number; // training time over all attempts
  last_train: FinetuneTrainRecord | null;
  last_eval: FinetuneEvalRecord | null;
  /** The best evaluation so far (by the early-stopping metric); its weights are in best.bin. */
  best: FinetuneEvalRecord | null;
  evals_since_best: number;
  /** Early stopping ended training: a resumed run must not train on. */
  stopped_early: boolean;
}

interface StateJson {
  format: typeof FINETUNE_CHECKPOINT_FORMAT;
  step: number;
  training: TrainingStateJson;
  loop: FinetuneLoopState;
  config: FinetuneConfig;
}

export interface FinetuneCheckpoint {
  training: TrainingState;
  best: Map<string, Float32Array> | null;
  loop: FinetuneLoopState;
  config: FinetuneConfig;
}

export function encodeFinetuneCheckpoint(
  model: ClassifierModel,
  optimizer: AdamW,
  rng: Record<string, RngState>,
  loop: FinetuneLoopState,
  config: FinetuneConfig,
  best: ReadonlyMap<string, Float32Array> | null,
): Map<string, Uint8Array> {
  const state = exportTrainingState(trainedView(model), optimizer, rng);
  const json: StateJson = { format: FINETUNE_CHECKPOINT_FORMAT, step: loop.step, training: state.json, loop, config };
  const files = new Map<string, Uint8Array>([
    [STATE_BIN, serializeTensors(state.tensors)],
    [STATE_JSON, Buffer.from(JSON.stringify(json, null, 2) + '\n')],
  ]);
  if (best) {
    const shapes = new Map(model.variables.map(({ name, variable }) => [name, variable.shape]));
    const tensors = new Map<string, TensorData>([...best].map(([name, values]) => [name, { values, shape: [...shapes.get(name)!] }]));
    files.set(BEST_BIN, serializeTensors(tensors));
  }
  return files;
}

/** Parses a checkpoint's files; anything missing or malformed throws CorruptCheckpointError. */
export function decodeFinetuneCheckpoint(files: ReadonlyMap<string, Uint8Array>): FinetuneCheckpoint {
  const { bin, json } = readCheckpointState<StateJson>(files, FINETUNE_CHECKPOINT_FORMAT);
  const { loop } = json;
  const cursorOk = Number.isSafeInteger(loop?.cursor?.epoch) && Number.isSafeInteger(loop?.cursor?.batch);
  if (!Number.isSafeInteger(loop?.step) || loop.step !== json.step || !cursorOk || typeof loop.window !== 'object') {
    throw new CorruptCheckpointError(`${STATE_JSON} has no valid loop state (step, cursor, metrics window)`);
  }
  if (json.training?.optimizer?.step !== loop.step) {
    throw new CorruptCheckpointError(`${STATE_JSON}: optimizer step ${json.training?.optimizer?.step} differs from the loop's step ${loop.step}`);
  }
  const bestBin = files.get(BEST_BIN);
  if ((loop.best !== null) !== (bestBin !== undefined)) {
    throw new CorruptCheckpointError(`checkpoint ${loop.best ? 'lacks' : 'has an unexpected'} ${BEST_BIN} (best evaluation: ${loop.best ? `step ${loop.best.step}` : 'none'})`);
  }
  const tensors = deserializeTensors(Buffer.from(bin.buffer, bin.byteOffset, bin.byteLength));
  let best: Map<string, Float32Array> | null = null;
  if (bestBin) {
    best = new Map();
    for (const [name, t] of deserializeTensors(Buffer.from(bestBin.buffer, bestBin.byteOffset, bestBin.byteLength))) {
      if (!(t.values instanceof Float32Array)) throw new CorruptCheckpointError(`${BEST_BIN}: '${name}' is not float32`, name);
      best.set(name, t.values);
    }
  }
  return { training: { tensors, json: json.training }, best, loop, config: json.config };
}
