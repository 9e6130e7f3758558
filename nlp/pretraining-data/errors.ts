// Typed errors of the pretraining-data library. It stays free of Temporal: the activity maps these to InvalidInput.

/** The corpus, the options or a data directory cannot be used; retrying cannot help. `hint` says how to fix it. */
export class PretrainingDataError extends Error {
  constructor(
    message: string,
    /** The file it is about, when there is one. */
    readonly file: string | undefined,
    readonly hint: string,
  ) {
    super(file ? `${file}: ${message}` : message);
    this.name = 'PretrainingDataError';
  }
}

/** What to do about a damaged data directory. */
export const REBUILD_HINT =
  'the pretraining-data artifact is damaged or incomplete; rebuild it by rerunning the bert/pretraining-data step with `cache: false`';
