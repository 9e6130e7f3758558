// What the server needs from a model, whatever its kind; tests inject fakes through `LoadModel`.
import type { Pooling } from '../nlp/bert/pooling';
import type { ModelKind } from '../store/registry-types';

export interface Prediction {
  label: string;
  probabilities: Record<string, number>;
}

/** One [MASK] in a text: the most likely tokens for it, best first. */
export interface MaskCandidates {
  /** Index of the [MASK] token in the encoded sequence ([CLS] is 0). */
  position: number;
  candidates: Array<{ token: string; score: number }>;
}

export interface FillMaskResult {
  masks: MaskCandidates[];
}

/** What a model's sentence embeddings are: how its hidden states are pooled, and their length (the hidden size). */
export interface EmbeddingInfo {
  pooling: Pooling;
  dimensions: number;
}

export type Action = 'predict' | 'fill-mask' | 'embed';

/**
 * A loaded model version; `predict`, `fillMask` and `embed` each run one forward pass over all the texts given.
 * An encoder imported without its masked-LM head has no `fillMask`.
 */
export interface ServedModel {
  kind: ModelKind;
  /** Classifiers: the label set. */
  labels?: string[];
  /** Set when `embed` is. */
  embedding?: EmbeddingInfo;
  predict?(texts: string[], pairs?: string[]): Promise<Prediction[]>;
  fillMask?(texts: string[], topK: number): Promise<FillMaskResult[]>;
  /** One vector of `embedding.dimensions` numbers per text. */
  embed?(texts: string[]): Promise<number[][]>;
  /**
   * Throws ModelInputError naming `texts[i]` for a text the model cannot take. Called per request before
   * batching, so one bad request cannot fail the other requests sharing its forward pass.
   */
  validate?(texts: string[], action: Action): void;
  dispose(): void;
}

export type LoadModel = (dir: string, kind: ModelKind) => Promise<ServedModel>;

/** A request the model cannot answer as asked (a fill-mask text without [MASK]); becomes a 400. */
export class ModelInputError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'ModelInputError';
  }
}

/** A registered version that does not load (corrupt weights, missing files); becomes a 500 naming the version. */
export class ModelLoadError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'ModelLoadError';
  }
}
