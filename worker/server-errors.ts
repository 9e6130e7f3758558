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

/** The last `count` non-empty lines of `text`, indented for quoting inside an error message. */
export function quoteLines(text: string, count: number): string {
  const lines = text.split('\n').map((l) => l.trimEnd()).filter((l) => l.length > 0);
  return lines.slice(-count).map((l) => `  | ${l}`).join('\n');
}
