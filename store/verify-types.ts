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
