// What a sweep report shows, gathered once (sweep-collect.ts) and rendered without further I/O (sweep-html.ts), so
// the page can be tested from hand-made runs as well as from a real sweep.
import type { CompareRun } from '../compare-data';
import type { Ranking } from '../compare-table';
import type { TrainingLog } from './types';

export interface SweepRun {
  run: CompareRun;
  /** The run's params that differ between the runs, as one legend entry: `steps=3 learning_rate=0.001`. */
  label: string;
  /** Its colour in every chart and in the table's swatch. */
  color: string;
  training: TrainingLog[];
  /** The run in the Temporal Web UI. */
  uiUrl?: string;
}

export interface SweepReportData {
  generatedAt: string;
  /** The sweep id, when the page is one sweep's; else the runs were named one by one. */
  sweepId?: string;
  sweepUrl?: string;
  pipeline?: string;
  /** Best first by `ranking`; runs without the metric last. */
  runs: SweepRun[];
  /** Params shown: those that differ between the runs (every one with `--all`). */
  params: string[];
  /** Metric columns of the table, as `kiln compare` shows them. */
  metrics: string[];
  ranking?: Ranking;
  /** Things that could not be read: shown, never fatal. */
  notes: string[];
}
