// A stored artifact whose bytes no longer hash to its name. Thrown where something would read it; the activity
// layer turns it into a non-retryable failure (retrying reads the same bad bytes).
export const REPAIR_HINT =
  'run `kiln store verify --repair` (it deletes the corrupt artifact and the cache entries made from it), then run the pipeline again: the step that produced it runs again';

export class CorruptArtifactError extends Error {
  readonly hint = REPAIR_HINT;

  constructor(
    readonly uri: string,
    readonly path: string,
    readonly found: string,
  ) {
    super(`artifact ${uri} is corrupt: ${path} hashes to ${found}, not the digest it is stored under`);
    this.name = 'CorruptArtifactError';
  }
}
