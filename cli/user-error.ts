/** An error the user can fix: printed as its message (and hint), never as a stack trace. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    /** 1: a run or operation failed; 2: the input was invalid. */
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'UserError';
  }
}
