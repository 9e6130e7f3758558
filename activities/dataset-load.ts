import { ChecksumError, CorpusInputError } from '../nlp/corpus/errors';
import { DatasetInputError } from '../nlp/dataset/errors';
import { loadDataset } from '../nlp/dataset/load';
import { SPLIT_NAMES } from '../nlp/dataset/types';
import type { ArtifactRef } from '../store/types';
import { invalidInput, nonRetryable } from './failures';
import { defineStep, type StepContext, type StepOutputs } from './step';
import { stepInputs } from './step-inputs';

/** `dataset/load@v1`: labelled csv/tsv/jsonl or a built-in dataset -> train/validation/test jsonl and labels.json. */
export const datasetLoad = defineStep(run, toFailure);

async function run(step: StepContext): Promise<StepOutputs> {
  const { input, deps } = step;
  const { sources, format, text_field, text_pair_field, label_field, split } = stepInputs('dataset/load@v1', input);
  const fields = { text: text_field, label: label_field, ...(text_pair_field === undefined ? {} : { textPair: text_pair_field }) };
  const { files, labels, stats, textPair } = await loadDataset({
    sources,
    format,
    fields,
    split,
    outDir: await step.staging('dataset'),
    baseDir: input.baseDir,
    workDir: deps.workDir,
    onProgress: step.progress,
    signal: step.signal,
  });
  const num_labels = labels.names.length;
  const outputs: { [name: string]: ArtifactRef | typeof stats } = {};
  for (const name of SPLIT_NAMES) {
    outputs[name] = await deps.store.putFile(files[name], {
      kind: 'dataset-split',
      meta: { split: name, examples: stats.examples[name], num_labels, text_pair: textPair },
    });
  }
  outputs.labels = await deps.store.putFile(files.labels, { kind: 'labels', meta: { num_labels, names: labels.names } });
  outputs.stats = stats;
  const { train, validation, test } = stats.examples;
  step.log(`dataset of ${num_labels} labels, ${train}/${validation}/${test} train/validation/test examples`);
  return outputs;
}

/** Library errors become Temporal failures here, so nlp/ stays free of Temporal. Anything else is retryable. */
function toFailure(error: unknown): unknown {
  if (error instanceof DatasetInputError || error instanceof CorpusInputError) return invalidInput(error.message, error.hint);
  if (error instanceof ChecksumError) {
    return nonRetryable('ChecksumMismatch', error.message, 'if the file changed upstream, update sha256 in the pipeline');
  }
  return error;
}
