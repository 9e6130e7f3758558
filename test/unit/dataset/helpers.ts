// Shared by the dataset tests: run loadDataset into a fresh directory and read back what it wrote.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { expect } from 'vitest';

import { DatasetInputError } from '../../../nlp/dataset/errors';
import { loadDataset, type LoadDatasetOptions, type LoadedDataset } from '../../../nlp/dataset/load';
import { loadLabels, loadSplit } from '../../../nlp/dataset/split-file';
import type { LabelSet, SplitExample, SplitName } from '../../../nlp/dataset/types';

export const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/dataset');

export type Loaded = LoadedDataset & { splits: Record<SplitName, SplitExample[]>; labelFile: LabelSet };

export async function tempDir(label: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `kiln-dataset-${label}-`));
}

/** loadDataset with defaults (fields text/label, split 0.1/0.1 seed 13), read back from disk. */
export async function load(options: Partial<LoadDatasetOptions> & Pick<LoadDatasetOptions, 'sources'>, baseDir = FIXTURES): Promise<Loaded> {
  const outDir = await tempDir('out');
  try {
    const result = await loadDataset({
      fields: { text: 'text', label: 'label' },
      split: { validation: 0.1, test: 0.1, seed: 13 },
      baseDir,
      workDir: path.join(outDir, 'work'),
      outDir,
      ...options,
    });
    const splits = {
      train: await loadSplit(result.files.train),
      validation: await loadSplit(result.files.validation),
      test: await loadSplit(result.files.test),
    };
    return { ...result, splits, labelFile: await loadLabels(result.files.labels) };
  } finally {
    await fs.rm(outDir, { recursive: true, force: true });
  }
}

/** The DatasetInputError a load fails with. */
export async function loadError(options: Parameters<typeof load>[0], baseDir = FIXTURES): Promise<DatasetInputError> {
  const error = await load(options, baseDir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DatasetInputError);
  return error as DatasetInputError;
}
