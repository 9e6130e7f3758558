// Typed errors of the dataset library. It stays free of Temporal: the activity maps these to failures.

/** The pipeline or the data is wrong; retrying cannot help. `hint` says how to fix it. */
export class DatasetInputError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'DatasetInputError';
  }
}
