// What one request may ask of the server, and how requests are grouped into forward passes.

export interface ServeLimits {
  /** Request bodies above this are refused with 413. */
  maxBodyBytes: number;
  /** Texts per request. */
  maxTexts: number;
  /** Characters per text (the model truncates to its sequence length anyway; this bounds tokenising work). */
  maxTextChars: number;
  /** fill-mask: candidates per [MASK]. */
  maxTopK: number;
}

export const DEFAULT_LIMITS: ServeLimits = {
  maxBodyBytes: 1024 * 1024,
  maxTexts: 64,
  maxTextChars: 10_000,
  maxTopK: 50,
};

export interface BatchOptions {
  /** Texts in one forward pass. */
  maxBatch: number;
  /** How long the first text of a batch waits for company before the pass starts. */
  maxWaitMs: number;
}

export const DEFAULT_BATCH: BatchOptions = { maxBatch: 32, maxWaitMs: 2 };
