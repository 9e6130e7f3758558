// Everything wrong with a Hugging Face model directory or file: one line naming the file, and how to fix it.

export class HfFormatError extends Error {
  constructor(
    readonly what: string,
    readonly file: string,
    readonly hint?: string,
  ) {
    super(`${file}: ${what}`);
    this.name = 'HfFormatError';
  }
}
