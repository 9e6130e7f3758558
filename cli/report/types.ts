// What a run report shows, gathered once (collect.ts) and then rendered without further I/O (html.ts), so the
// page can be tested from hand-made data as well as from a real run.
import type { Plan } from '../../compiler/types';
import type { VersionRecord } from '../../store/registry-types';
import type { RunState } from '../run-state';

/** One line of a `metrics` JSONL file: `step` always, `split` usually, mostly numbers (fine-tuning adds `best`). */
export interface MetricsRow {
  step: number;
  split?: string;
  [field: string]: number | string | boolean | undefined;
}

/** The metrics log of a training step (bert/pretrain, bert/finetune, ...). */
export interface TrainingLog {
  step: string;
  type: string;
  digest: string;
  rows: MetricsRow[];
  /** The TF.js backend that trained the step's model (its artifact's meta), when it says. */
  backend?: string;
}

export interface ClassRow {
  label: string;
  precision?: number;
  recall?: number;
  f1?: number;
  support?: number;
}

/** A bert/evaluate report, reduced to what the page shows whatever shape the report file had. */
export interface EvaluationView {
  step: string;
  digest?: string;
  /** Headline numbers: accuracy, macro_f1, perplexity... in the report's order. */
  metrics: Array<{ name: string; value: number }>;
  classes: ClassRow[];
  /** matrix[gold][predicted] with the label names of both axes. */
  confusion?: { labels: string[]; matrix: number[][] };
  passed?: boolean;
  gate?: string;
}

/** A model/deploy step's version, with every version of that model for the lineage table. */
export interface DeploymentView {
  step: string;
  name: string;
  version: number;
  alias?: string;
  digest?: string;
  versions: VersionRecord[];
  /** alias → version, as the registry has them now. */
  aliases: Record<string, number>;
  /** Why the registry could not be read, if it could not. */
  problem?: string;
}

export interface ReportData {
  generatedAt: string;
  run: RunState;
  /** Missing when the run's history has no plan (a run started by hand). */
  plan?: Plan;
  /** The run in the Temporal Web UI. */
  uiUrl?: string;
  training: TrainingLog[];
  evaluations: EvaluationView[];
  deployments: DeploymentView[];
  /** Things that could not be read (a deleted artifact...): shown, never fatal. */
  notes: string[];
  /** With a shared store (KILN_STORE): its uri, and each artifact's object there by its uri (`kiln://sha256/...`). */
  store?: { uri: string; locations: Record<string, string | null> };
}

