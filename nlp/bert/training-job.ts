// What the pretraining activity hands its training thread, and the result the thread sends back (the messages
// around them are nlp/training/thread-messages.ts). Plain data: it crosses a worker_threads boundary.
import type { Json } from '../../contract/json';
import type { CheckpointRecord } from '../../store/checkpoints';
import type { BackendInfo } from '../backend';
import type { EvalRecord, TrainRecord } from './metrics-log';
import type { PretrainConfig } from './train-config';

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

export interface TrainingThreadResult {
  status: 'completed' | 'stopped';
  step: number;
  backend: BackendInfo;
  resumedFrom: number | null;
  lastCheckpoint: CheckpointRecord | null;
  lastTrain: TrainRecord | null;
  finalEval: EvalRecord | null;
}
