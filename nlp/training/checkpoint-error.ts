/**
 * A checkpoint cannot be used: truncated or malformed bytes, or tensors that do not fit the model.
 * `type` matches the workflow's non-retryable failure type; callers fall back to an older checkpoint.
 */
export class CorruptCheckpointError extends Error {
  readonly type = 'CorruptCheckpoint';

  constructor(
    message: string,
    /** The tensor at fault, when one is. */
    readonly tensor?: string,
  ) {
    super(message);
    this.name = 'CorruptCheckpointError';
  }
}
