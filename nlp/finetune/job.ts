// What the fine-tune activity hands its training thread, and what the thread reports back. Plain data: it crosses
// a worker_threads boundary by structured clone. Messages follow nlp/bert/training-job.ts's ThreadMessage.
import type { Json } from '../../contract/json';
import type { CheckpointRecord } from '../../store/checkpoints';
import type { BackendInfo } from '../backend';
import type { FinetuneConfig } from './config';
import type { FinetuneEvalRecord, FinetuneTrainRecord } from './records';

export interface FinetuneJob {
  config: FinetuneConfig;
  /** Saved in each checkpoint's manifest; a checkpoint with another identity is not resumed from. */
  identity: { [key: string]: Json };
  /** The pretrained model directory (nlp/bert/saved-model.ts); null trains the encoder from scratch. */
  baseModelDir: string | null;
  /** vocab.txt + tokenizer.json, copied into the classifier. */
  tokenizerDir: string;
  trainFile: string;
  validationFile: string;
  labelsFile: string;
  /** This run's checkpoints; its metrics.jsonl holds the metrics, kept across attempts. */
  checkpointDir: string;
  /** The checkpoint the last heartbeat named, if any. */
  resumeHint: CheckpointRecord | null;
  /** Checkpoint directories of the same step in earlier runs this one resumes, newest first. */
  earlierDirs: string[];
  /** Where the classifier is written (nlp/finetune/saved-classifier.ts); created by the thread. */
  modelDir: string;
  /** The classifier's display name. */
  name: string;
  /** Digests of the inputs, recorded in the classifier. */
  lineage: { [key: string]: Json };
}

export interface FinetuneThreadResult {
  status: 'completed' | 'stopped';
  step: number;
  total: number;
  stoppedEarly: boolean;
  backend: BackendInfo;
  resumedFrom: number | null;
  lastCheckpoint: CheckpointRecord | null;
  best: FinetuneEvalRecord | null;
  lastTrain: FinetuneTrainRecord | null;
}
