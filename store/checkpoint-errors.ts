// Why a checkpoint directory cannot be resumed from. `type` is the workflow's non-retryable failure type:
// the activity turns these into ApplicationFailures, retrying cannot repair the bytes or the config.

export class CheckpointError extends Error {
  readonly type = 'CorruptCheckpoint';

  constructor(
    message: string,
    /** How to fix it. */
    readonly hint: string,
  ) {
    super(message);
    this.name = 'CheckpointError';
  }
}

/** The newest valid checkpoint was written under a different training config than the current one. */
export class CheckpointConfigMismatchError extends CheckpointError {
  constructor(
    readonly dir: string,
    /** One line per differing key: `model.hidden_size: 32 (checkpoint) vs 16 (now)`. */
    readonly differences: string[],
  ) {
    super(
      `the checkpoints in ${dir} were written with a different config: ${differences.join('; ')}`,
      'change the config back to what the checkpoint has, or start a fresh run (a new run id, or delete that directory)',
    );
    this.name = 'CheckpointConfigMismatchError';
  }
}
