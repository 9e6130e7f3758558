/**
 * A vocab.txt or tokenizer.json that cannot be used. Callers turn it into a user-facing error: the activity into
 * InvalidInput, the CLI into a one-line message.
 */
export class TokenizerFileError extends Error {
  constructor(
    message: string,
    /** The file it is about, when there is one. */
    readonly file: string | undefined,
    /** How to fix it. */
    readonly hint: string,
  ) {
    super(file ? `${file}: ${message}` : message);
    this.name = 'TokenizerFileError';
  }
}
