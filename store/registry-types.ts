// The local model registry's records: what a version directory's registry.json holds and how a model is named.
import type { Json } from '../contract/json';

/** classifier: a `kiln/bert-classifier@1` directory (predict); encoder: a `kiln/bert-model@1` one (fill-mask). */
export type ModelKind = 'classifier' | 'encoder';

export const MODEL_KINDS: readonly ModelKind[] = ['classifier', 'encoder'];

/** Where a version came from: the run and step that deployed it. */
export interface Lineage {
  workflowId: string;
  runId: string;
  pipeline?: string;
  planHash?: string;
  step: string;
  cacheKey?: string;
  /** How the model was made: its config.json's `kiln` block (step type, data and tokenizer digests...). */
  origin?: Json;
}

/** `$KILN_HOME/models/NAME/VERSION/registry.json`. */
export interface VersionRecord {
  name: string;
  version: number;
  kind: ModelKind;
  /** ISO time of registration. */
  created: string;
  /** Digest of the artifact the version was copied from; deploying it again reuses this version. */
  digest: string;
  /** The artifact's uri and meta, as the producing step wrote them. */
  source: { uri: string; meta: { [key: string]: Json } };
  lineage: Lineage;
  /** From the model card (`metrics`), null when the card has none. */
  metrics: Json;
}

/** `NAME` (the default alias), `NAME:3` or `NAME@staging`. */
export interface ModelRef {
  name: string;
  version?: number;
  alias?: string;
}

export type RegistryErrorCode = 'invalid-ref' | 'unknown-model' | 'unknown-version' | 'unknown-alias' | 'invalid-model';

/** A name, version or alias that does not exist or cannot be; `code` lets the server pick 400 or 404. */
export class RegistryError extends Error {
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}
