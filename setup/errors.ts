/**
 * A setup problem the user can fix (a missing tool, a bad download, a failed build): `kiln setup` prints the
 * message and the hint without a stack trace. Kept here rather than using cli/'s UserError so setup/ stays below cli/.
 */
export class SetupError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'SetupError';
  }
}
