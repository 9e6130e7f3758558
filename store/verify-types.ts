// What `kiln store verify` reports, shared by verify.ts, the per-area checks beside it and repair.ts.

/** corrupt: bytes no longer match their digest (exit 1). stale: a dangling reference that does no harm. */
export type Severity = 'corrupt' | 'stale';

export type ProblemKind =
  | 'corrupt-artifact'
  | 'foreign-file'
  | 'corrupt-cache-entry'
  | 'cache-entry-corrupt-output'
  | 'cache-entry-missing-output'
  | 'cache-entry-derived-from-corrupt'
  | 'corrupt-cache-note'
  | 'corrupt-checkpoint'
  | 'missing-checkpoint'
  | 'corrupt-model-version'
  | 'corrupt-model-aliases'
  | 'corrupt-metrics-history';

export interface StoreProblem {
  kind: ProblemKind;
  severity: Severity;
  /** The file or directory at fault. */
  path: string;
  message: string;
  /** corrupt-model-version: the intact store artifact the copy can be restored from, when there is one. */
  restoreFrom?: string;
}

export interface VerifyCounts {
  count: number;
  bytes: number;
  problems: number;
}

export type AddProblem = (into: VerifyCounts, problem: StoreProblem) => void;

/** How `kiln store verify` checked a shared store's objects (KILN_STORE); absent for the local store. */
export interface SharedVerifyDepth {
  /** The store, as KILN_STORE names it. */
  uri: string;
  /**
   * metadata: each file object's sha256 as kiln recorded it at upload, against its name (objects that carry none are
   * downloaded); deep: every object downloaded and hashed. Manifests, cache entries and records are always read.
   */
  depth: 'metadata' | 'deep';
  /** What had to be downloaded to hash it. */
  downloaded: { objects: number; bytes: number };
}
