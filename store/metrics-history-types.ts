// A metrics history's records: what one line of `$KILN_HOME/metrics/NAME.jsonl` holds, and how a history is named.
import type { Json } from '../contract/json';

/** History names follow model names: lowercase letters, digits and dashes, starting with a letter. */
export const HISTORY_NAME_PATTERN = /^[a-z][a-z0-9-]*$/;

/** One line of a history: the metrics one run's step recorded. */
export interface HistoryRecord {
  /** ISO time of recording. */
  at: string;
  /** The workflow id of the run that recorded it. */
  run: string;
  /** The step id within that run; (run, step) is recorded at most once. */
  step: string;
  /** Lineage: the evaluated model (model/resolve@v1's version output), null when not given. */
  model: Json;
  metrics: { [metric: string]: number };
  /** Direction overrides the recording step used (metric → true when higher is better), so readers agree with it. */
  higher_is_better?: { [metric: string]: boolean };
}

export type HistoryErrorCode = 'invalid-name' | 'unknown-history' | 'corrupt';

/** A history that does not exist, cannot be named so, or has a line that is not a record. */
export class HistoryError extends Error {
  constructor(
    readonly code: HistoryErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'HistoryError';
  }
}
