// How a model turns a text's token vectors into one sentence vector (serving's embed, `kiln embed`).
// BERT's own answer is the [CLS] token's final hidden state; sentence-transformers models declare theirs
// (all-MiniLM-L6-v2: the mean over the text's tokens, then scaled to unit length).

export interface Pooling {
  /** `cls`: the final hidden state of [CLS]; `mean`: the mean over the tokens of the text (padding excluded). */
  mode: 'cls' | 'mean';
  /** Scale the pooled vector to unit L2 norm (sentence-transformers' Normalize module). */
  normalize: boolean;
}

export const CLS_POOLING: Pooling = { mode: 'cls', normalize: false };

/** A pooling read back from a file: `undefined` when absent (BERT's [CLS]), an Error message when malformed. */
export function checkPooling(value: unknown): Pooling | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'pooling must be an object {mode, normalize}';
  const { mode, normalize, ...rest } = value as Record<string, unknown>;
  if (mode !== 'cls' && mode !== 'mean') return `pooling.mode must be 'cls' or 'mean' (got ${JSON.stringify(mode)})`;
  if (typeof normalize !== 'boolean') return `pooling.normalize must be true or false (got ${JSON.stringify(normalize)})`;
  const extra = Object.keys(rest);
  if (extra.length > 0) return `pooling: unknown key ${extra.map((k) => `'${k}'`).join(', ')}`;
  return { mode, normalize };
}
