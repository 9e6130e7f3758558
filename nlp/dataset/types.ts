// The shapes shared by the dataset readers, the split and the step.
import type { DatasetLoadInputs } from '../../compiler/step-inputs.generated';

export type DatasetFormat = NonNullable<DatasetLoadInputs['format']>;

/** One of dataset/load's sources, as its schema defines it. */
export type DatasetSource = DatasetLoadInputs['sources'][number];

export type SentimentSubset = Extract<DatasetSource, { dataset: string }>['subsets'][number];

/** Where text, optional second text and label live in each row (csv/tsv columns or jsonl keys). */
export interface FieldNames {
  text: string;
  textPair?: string;
  label: string;
}

/** Fractions of each label held out, and the seed of the order they are cut from. */
export type SplitOptions = DatasetLoadInputs['split'];

/** One row as read, before deduplication; `label` is the label's string form. `where` is `file:line`. */
export interface RawExample {
  text: string;
  textPair?: string;
  label: string;
  where: string;
}

/** A kept example with its label id. */
export interface Example {
  text: string;
  textPair?: string;
  label: number;
}

/** What a split file holds per line, and what `readSplit` yields. */
export interface SplitExample {
  text: string;
  text_pair?: string;
  label: number;
}

export type SplitName = 'train' | 'validation' | 'test';
export const SPLIT_NAMES: readonly SplitName[] = ['train', 'validation', 'test'];

/** labels.json: `names[id]` is the label of id; `counts` are examples per label name after cleaning. */
export type LabelSet = {
  names: string[];
  counts: { [name: string]: number };
};

export type SourceStats = {
  source: string;
  /** Rows read (sentences for the built-in dataset), before empty texts and duplicates are dropped. */
  rows: number;
  sha256: string | null;
};

export type DatasetStats = {
  examples: Record<SplitName, number>;
  /** Examples per label name in each split. */
  labels: Record<SplitName, { [name: string]: number }>;
  num_labels: number;
  rows: number;
  duplicates: number;
  conflicting_duplicates: number;
  empty_texts: number;
  sources: SourceStats[];
  warnings: string[];
};

/** Progress for heartbeats: bytes while downloading, rows while reading. */
export type DatasetProgress =
  | { phase: 'download'; source: string; bytes: number; total: number | null }
  | { phase: 'read'; source: string; rows: number };
