// What a pretraining checkpoint holds, as files: state.bin (weights and AdamW moments, a tensor file)
// and state.json (optimizer step, RNG states, data cursor, metrics so far, the resolved config).
// The store writes and verifies them; this file only turns training state into bytes and back.
import { CorruptCheckpointError } from '../training/checkpoint-error';
import type { DataCursor } from './data-order';
import type { EvalRecord, TrainRecord } from './metrics-log';
import type { WindowState } from './metrics-window';
import type { BertModel } from './model';
import type { AdamW } from './optimizer';
import type { RngState } from './rng';
import { exportTrainingState, type TrainingState, type TrainingStateJson } from './state';
import { deserializeTensors, serializeTensors } from './tensor-file';
import type { PretrainConfig } from './train-config';

export const STATE_BIN = 'state.bin';
export const STATE_JSON = 'state.json';
export const PRETRAIN_CHECKPOINT_FORMAT = 'kiln/bert-pretrain-checkpoint@1';

/** The loop's own state at a checkpoint, besides weights, moments and RNGs. */
export interface LoopState {
  step: number;
  cursor: DataCursor;
  window: WindowState; // train metrics not yet written as a line
  elapsed_ms: number; // training time over all attempts
  last_train: TrainRecord | null;
  last_eval: EvalRecord | null;
  /** The backend and thread count the steps so far ran with: bit-exact resume needs the same again. */
  computed_on?: ComputedOn;
}

export interface ComputedOn {
  backend: string;
  threads: number;
}

/** A warning when a resume runs where its checkpoint was not computed, else null. */
export function computedOnChange(saved: ComputedOn | undefined, now: ComputedOn | undefined): string | null {
  if (!saved || !now || (saved.backend === now.backend && saved.threads === now.threads)) return null;
  return (
    `warning: the checkpoint was computed on ${saved.backend} with ${saved.threads} thread(s), this attempt runs on ${now.backend} ` +
    `with ${now.threads}: training continues, but its weights will differ in the last bits from an uninterrupted run ` +
    '(pin the backend and KILN_THREADS on every worker for bit-exact resume)'
  );
}

interface StateJson {
  format: typeof PRETRAIN_CHECKPOINT_FORMAT;
  step: number;
  training: TrainingStateJson; // model config, optimizer config and step, RNG states
  loop: LoopState;
  config: PretrainConfig;
}

export interface PretrainCheckpoint {
  training: TrainingState;
  loop: LoopState;
  config: PretrainConfig;
}

export function encodeCheckpoint(
  model: BertModel,
  optimizer: AdamW,
  rng: Record<string, RngState>,
  loop: LoopState,
  config: PretrainConfig,
): Map<string, Uint8Array> {
  const state = exportTrainingState(model, optimizer, rng);
  const json: StateJson = { format: PRETRAIN_CHECKPOINT_FORMAT, step: loop.step, training: state.json, loop, config };
  return new Map<string, Uint8Array>([
    [STATE_BIN, serializeTensors(state.tensors)],
    [STATE_JSON, Buffer.from(JSON.stringify(json, null, 2) + '\n')],
  ]);
}

/**
 * A checkpoint's state.bin bytes and parsed state.json, checked to be of `format`: the part every kind of training
 * checkpoint shares. Anything missing or malformed throws CorruptCheckpointError.
 */
export function readCheckpointState<T extends { format?: unknown }>(files: ReadonlyMap<string, Uint8Array>, format: string): { bin: Uint8Array; json: T } {
  const bin = files.get(STATE_BIN);
  const text = files.get(STATE_JSON);
  if (!bin || !text) throw new CorruptCheckpointError(`checkpoint lacks ${bin ? STATE_JSON : STATE_BIN}`);
  let json: T;
  try {
    json = JSON.parse(Buffer.from(text).toString('utf8')) as T;
  } catch (error) {
    throw new CorruptCheckpointError(`${STATE_JSON} is not JSON (${(error as Error).message})`);
  }
  if (json?.format !== format) {
    throw new CorruptCheckpointError(`${STATE_JSON} has format ${JSON.stringify(json?.format)}, expected '${format}'`);
  }
  return { bin, json };
}

/** Parses a checkpoint's files; anything missing or malformed throws CorruptCheckpointError. */
export function decodeCheckpoint(files: ReadonlyMap<string, Uint8Array>): PretrainCheckpoint {
  const { bin, json } = readCheckpointState<StateJson>(files, PRETRAIN_CHECKPOINT_FORMAT);
  const { loop } = json;
  const cursorOk = Number.isSafeInteger(loop?.cursor?.epoch) && Number.isSafeInteger(loop?.cursor?.offset);
  if (!Number.isSafeInteger(loop?.step) || loop.step !== json.step || !cursorOk || typeof loop.window !== 'object') {
    throw new CorruptCheckpointError(`${STATE_JSON} has no valid loop state (step, cursor, metrics window)`);
  }
  if (json.training?.optimizer?.step !== loop.step) {
    throw new CorruptCheckpointError(`${STATE_JSON}: optimizer step ${json.training?.optimizer?.step} differs from the loop's step ${loop.step}`);
  }
  const tensors = deserializeTensors(Buffer.from(bin.buffer, bin.byteOffset, bin.byteLength));
  return { training: { tensors, json: json.training }, loop, config: json.config };
}
