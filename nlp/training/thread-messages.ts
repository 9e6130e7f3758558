// What a training thread and the activity that started it say to each other, whatever the training: the messages
// the thread posts, its failures, and the metrics file both keep in the checkpoint directory. Plain data:
// everything crosses a worker_threads boundary by structured clone.
import type { CheckpointRecord } from '../../store/checkpoints';

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

/** What a training thread posts: its progress, checkpoints and log lines, then its result or its failure. */
export type ThreadMessage<R, P> =
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
