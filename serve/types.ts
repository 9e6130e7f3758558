// What the server needs from a model, whatever its kind; tests inject fakes through `LoadModel`.
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

/** A loaded model version; `predict` and `fillMask` each run one forward pass over all the texts given. */
export interface ServedModel {
  kind: ModelKind;
  /** Classifiers: the label set. */
  labels?: string[];
  predict?(texts: string[], pairs?: string[]): Promise<Prediction[]>;
  fillMask?(texts: string[], topK: number): Promise<FillMaskResult[]>;
  /**
   * Throws ModelInputError naming `texts[i]` for a text the model cannot take. Called per request before
   * batching, so one bad request cannot fail the other requests sharing its forward pass.
   */
  validate?(texts: string[], action: 'predict' | 'fill-mask'): void;
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
