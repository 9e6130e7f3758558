// The labelled data of a fine-tuning run, read and checked once before training (by the activity, to fail fast)
// and again in the training thread: splits whose labels the label set names, and a validation split to stop on.
import { DatasetInputError } from '../dataset/errors';
import { loadLabels } from '../dataset/split-file';
import type { LabelSet, SplitExample } from '../dataset/types';
import { FinetuneDataError, loadLabelledSplit } from './examples';

export interface FinetuneDataFiles {
  trainFile: string;
  validationFile: string;
  labelsFile: string;
}

export interface FinetuneData {
  labels: LabelSet;
  train: SplitExample[];
  validation: SplitExample[];
}

const SPLIT_HINT = 'pass the train and validation outputs of a dataset/load@v1 step, and its labels';

export async function readFinetuneData(files: FinetuneDataFiles): Promise<FinetuneData> {
  let labels: LabelSet;
  try {
    labels = await loadLabels(files.labelsFile);
  } catch (error) {
    if (error instanceof DatasetInputError || error instanceof SyntaxError) throw new FinetuneDataError(`with.labels: ${error.message}`, SPLIT_HINT);
    throw error;
  }
  if (labels.names.length < 2) {
    throw new FinetuneDataError(`with.labels (${files.labelsFile}): ${labels.names.length} label(s); a classifier needs at least 2`, SPLIT_HINT);
  }
  const train = await loadLabelledSplit(files.trainFile, labels.names, 'with.train');
  const validation = await loadLabelledSplit(files.validationFile, labels.names, 'with.validation');
  if (train.length === 0) throw new FinetuneDataError(`with.train (${files.trainFile}): the split has no examples`, SPLIT_HINT);
  if (validation.length === 0) {
    throw new FinetuneDataError(
      `with.validation (${files.validationFile}): the split has no examples; fine-tuning evaluates on it to keep the best weights`,
      'give dataset/load@v1 a validation fraction (split.validation) large enough for a few examples per label',
    );
  }
  return { labels, train, validation };
}
