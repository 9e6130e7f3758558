/**
 * A problem with finding, building or running Temporal that the user can fix.
 * The CLI prints `message` (which already ends with the hint line) without a stack trace.
 */
export class KilnServerError extends Error {
  /** The problem alone, without the hint line. */
  readonly what: string;
  readonly hint: string;

  constructor(what: string, hint: string) {
    super(`${what}\nhint: ${hint}`);
    this.name = 'KilnServerError';
    this.what = what;
    this.hint = hint;
  }
}

export function isKilnServerError(err: unknown): err is KilnServerError {
  return err instanceof KilnServerError;
}
