// What the activity hands the training thread, and the messages the thread sends back. Plain data:
// everything crosses a worker_threads boundary by structured clone.
import type { Json } from '../../contract/json';
import type { CheckpointRecord } from '../../store/checkpoints';
import type { BackendInfo } from '../backend';
import type { EvalRecord, TrainRecord } from './metrics-log';
import type { PretrainConfig } from './train-config';
import type { TrainProgress } from './train-loop';

export interface TrainingJob {
  config: PretrainConfig;
  /** Saved in each checkpoint's manifest; a checkpoint with another identity is not resumed from. */
  identity: { [key: string]: Json };
  /** The pretraining-data directory (nlp/pretraining-data/reader.ts). */
  dataDir: string;
  /** The tokenizer directory (vocab.txt + tokenizer.json), copied into the saved model. */
  tokenizerDir: string;
  /** This run's checkpoints; its METRICS_FILE holds the metrics, kept across attempts. */
  checkpointDir: string;
  /** The checkpoint the last heartbeat named, if any: considered alongside the registry's. */
  resumeHint: CheckpointRecord | null;
  /** Checkpoint directories of the same step in earlier runs this one resumes, newest first; used when checkpointDir has none. */
  earlierDirs: string[];
  /** Where the finished model is written (nlp/bert/saved-model.ts); created by the thread. */
  modelDir: string;
  /** Recorded in the saved model: where the data and tokenizer came from. */
  lineage: { [key: string]: Json };
}

/** The metrics JSONL inside a checkpoint directory (beside the step-<N> directories). */
export const METRICS_FILE = 'metrics.jsonl';

export type ThreadFailureKind = 'InvalidInput' | 'CorruptCheckpoint' | 'Error';

export interface ThreadFailure {
  kind: ThreadFailureKind;
  /** The original error's class name. */
  name: string;
  message: string;
  hint?: string;
}

export interface TrainingThreadResult {
  status: 'completed' | 'stopped';
  step: number;
  backend: BackendInfo;
  resumedFrom: number | null;
  lastCheckpoint: CheckpointRecord | null;
  lastTrain: TrainRecord | null;
  finalEval: EvalRecord | null;
}

/** What a training thread posts; other kinds of training (fine-tuning) report their own result and progress. */
export type ThreadMessage<R = TrainingThreadResult, P = TrainProgress> =
  | { type: 'progress'; progress: P }
  | { type: 'checkpoint'; checkpoint: CheckpointRecord }
  | { type: 'log'; message: string }
  | { type: 'done'; result: R }
  | { type: 'error'; failure: ThreadFailure };

/** A failure the thread reported (or the thread dying); `kind` says whether retrying can help. */
export class TrainingThreadError extends Error {
  readonly kind: ThreadFailureKind;
  readonly hint: string | undefined;

  constructor(failure: ThreadFailure) {
    super(failure.message);
    this.name = failure.name;
    this.kind = failure.kind;
    this.hint = failure.hint;
  }
}
