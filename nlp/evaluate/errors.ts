// Typed errors of the evaluation library. It stays free of Temporal: the activity maps these to InvalidInput.

/** The model, data or options cannot be evaluated together; retrying cannot help. `hint` says how to fix it. */
export class EvaluateInputError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'EvaluateInputError';
  }
}
