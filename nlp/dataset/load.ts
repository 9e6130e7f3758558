import path from 'node:path';

import { CorpusInputError } from '../corpus/errors';
import { fetchUrl, openFile, type LocalInput } from '../corpus/local-input';
import { ExampleCollector } from './collect';
import { DatasetInputError } from './errors';
import { checkFields, rowExample } from './fields';
import { labelIds, labelSet } from './labels';
import { inferFormat, readRows } from './rows';
import { sentimentSentences } from './sentiment-sentences';
import { writeLabels, writeSplit } from './split-file';
import { stratifiedSplit } from './split';
import {
  SPLIT_NAMES,
  type DatasetFormat,
  type DatasetProgress,
  type DatasetSource,
  type DatasetStats,
  type Example,
  type FieldNames,
  type LabelSet,
  type RawExample,
  type SourceStats,
  type SplitName,
  type SplitOptions,
} from './types';

export interface LoadDatasetOptions {
  sources: DatasetSource[];
  /** For every file and url source; when absent, each one's extension says. */
  format?: DatasetFormat;
  fields: FieldNames;
  split: SplitOptions;
  /** An existing directory: train.jsonl, validation.jsonl, test.jsonl and labels.json are written into it. */
  outDir: string;
  /** Relative `file:` sources resolve against this (the pipeline file's directory). */
  baseDir: string;
  /** Partial downloads live here between attempts. */
  workDir: string;
  onProgress?: (progress: DatasetProgress) => void;
  signal?: AbortSignal;
}

export interface LoadedDataset {
  files: Record<SplitName | 'labels', string>;
  labels: LabelSet;
  stats: DatasetStats;
  /** Whether examples carry a second text. */
  textPair: boolean;
}

const PROGRESS_EVERY_ROWS = 1_000;

/** How a source is named in stats. */
export function describeSource(source: DatasetSource): string {
  if ('url' in source) return source.url;
  if ('file' in source) return `file:${source.file}`;
  return `dataset:${source.dataset}`;
}

/**
 * Reads every source, drops empty texts and duplicates, maps labels to ids and writes a deterministic stratified
 * split. Downloads are removed once the dataset is written or the input proves wrong; after any other failure
 * they stay, so that the retry resumes them.
 */
export async function loadDataset(options: LoadDatasetOptions): Promise<LoadedDataset> {
  const collector = new ExampleCollector();
  const sources: SourceStats[] = [];
  const inputs: LocalInput[] = [];
  try {
    for (const source of options.sources) {
      options.signal?.throwIfAborted();
      const input = await localInput(source, options);
      if (input) inputs.push(input);
      const rows = await collectSource(source, input, collector, options);
      sources.push({ source: describeSource(source), rows, sha256: input?.sha256 ?? null });
    }
  } catch (error) {
    // No retry follows a wrong input, so nothing is kept for one.
    if (error instanceof DatasetInputError || error instanceof CorpusInputError) for (const input of inputs) await input.cleanup();
    throw error;
  }
  const result = await writeDataset(collector, sources, options);
  for (const input of inputs) await input.cleanup();
  return result;
}

async function writeDataset(collector: ExampleCollector, sources: SourceStats[], options: LoadDatasetOptions): Promise<LoadedDataset> {
  const collected = collector.result();
  const rows = sources.reduce((sum, source) => sum + source.rows, 0);
  if (collected.examples.length === 0) {
    throw new DatasetInputError(
      `no examples: all ${rows} rows have an empty text`,
      `check that text_field ("${options.fields.text}") names the column that holds the text`,
    );
  }
  const labels = labelSet(
    collected.examples,
    `check that label_field ("${options.fields.label}") names the column that holds the labels, and that the data has examples of every class`,
  );
  const ids = labelIds(labels);
  const examples = collected.examples.map((example): Example => ({ ...textsOf(example), label: ids.get(example.label)! }));
  const splits = stratifiedSplit(examples, labels.names, options.split);

  const files = {
    train: path.join(options.outDir, 'train.jsonl'),
    validation: path.join(options.outDir, 'validation.jsonl'),
    test: path.join(options.outDir, 'test.jsonl'),
    labels: path.join(options.outDir, 'labels.json'),
  };
  for (const split of SPLIT_NAMES) await writeSplit(files[split], splits[split]);
  await writeLabels(files.labels, labels);

  const perLabel = (split: SplitName): { [name: string]: number } => {
    const counts = Object.fromEntries(labels.names.map((name) => [name, 0]));
    for (const example of splits[split]) counts[labels.names[example.label]!]! += 1;
    return counts;
  };
  const stats: DatasetStats = {
    examples: { train: splits.train.length, validation: splits.validation.length, test: splits.test.length },
    labels: { train: perLabel('train'), validation: perLabel('validation'), test: perLabel('test') },
    num_labels: labels.names.length,
    rows,
    duplicates: collected.duplicates,
    conflicting_duplicates: collected.conflictingDuplicates,
    empty_texts: collected.emptyTexts,
    sources,
    warnings: [...collected.warnings, ...splits.warnings],
  };
  return { files, labels, stats, textPair: options.fields.textPair !== undefined };
}

function textsOf(example: RawExample): Pick<Example, 'text' | 'textPair'> {
  return example.textPair === undefined ? { text: example.text } : { text: example.text, textPair: example.textPair };
}

async function localInput(source: DatasetSource, options: LoadDatasetOptions): Promise<LocalInput | undefined> {
  if ('url' in source) {
    const onProgress = (bytes: number, total: number | null): void =>
      options.onProgress?.({ phase: 'download', source: source.url, bytes, total });
    return fetchUrl(source.url, source.sha256, { workDir: options.workDir, onProgress, signal: options.signal });
  }
  if ('file' in source) return openFile(source.file, source.sha256, options.baseDir);
  return undefined;
}

/** Adds a source's examples to the collector; returns how many rows it had. */
async function collectSource(
  source: DatasetSource,
  input: LocalInput | undefined,
  collector: ExampleCollector,
  options: LoadDatasetOptions,
): Promise<number> {
  const label = describeSource(source);
  let rows = 0;
  const counted = (): void => {
    rows += 1;
    if (rows % PROGRESS_EVERY_ROWS !== 0) return;
    options.signal?.throwIfAborted();
    options.onProgress?.({ phase: 'read', source: label, rows });
  };
  if ('dataset' in source) {
    if (options.fields.textPair !== undefined) {
      throw new DatasetInputError(
        `text_pair_field is set, but dataset ${source.dataset} has single sentences, not pairs`,
        'remove text_pair_field, or use only sources with sentence pairs',
      );
    }
    for await (const example of sentimentSentences(source.subsets)) {
      counted();
      collector.add(example);
    }
    return rows;
  }
  const name = 'url' in source ? source.url : source.file;
  const format = options.format ?? inferFormat(name);
  if (format === undefined) {
    throw new DatasetInputError(`cannot tell the format of ${name} from its name`, 'set format: csv, tsv or jsonl');
  }
  try {
    for await (const row of readRows(input!.path, format, name)) {
      if (rows === 0) checkFields(row, options.fields, name, format === 'jsonl');
      counted();
      collector.add(rowExample(row, options.fields, name));
    }
  } catch (error) {
    // zlib's codes: the bytes claim to be gzip but are not (or are cut short). Retrying the same bytes cannot help.
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('Z_')) {
      throw new DatasetInputError(
        `${name}: not valid gzip data (${(error as Error).message})`,
        'the bytes start like gzip but do not decompress: check that the file is complete',
      );
    }
    throw error;
  }
  if (rows === 0) throw new DatasetInputError(`${name} has no rows`, 'the file needs at least one example per label');
  return rows;
}
