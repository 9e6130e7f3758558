// Typed errors of the corpus library. It stays free of Temporal: the activity maps these to failures.

/** The pipeline or the data is wrong; retrying cannot help. `hint` says how to fix it. */
export class CorpusInputError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'CorpusInputError';
  }
}

/** Downloaded or local bytes do not hash to the sha256 the pipeline expects. */
export class ChecksumError extends Error {
  constructor(
    readonly source: string,
    readonly actual: string,
    readonly expected: string,
  ) {
    super(`${source}: sha256 is ${actual}, expected ${expected}`);
    this.name = 'ChecksumError';
  }
}
