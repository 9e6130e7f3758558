import fs from 'node:fs/promises';

import { Context } from '@temporalio/activity';

import type { StepInput, StepResult } from '../compiler/types';
import { ChecksumError, CorpusInputError } from '../nlp/corpus/errors';
import { DatasetInputError } from '../nlp/dataset/errors';
import { parseDatasetInputs } from '../nlp/dataset/inputs';
import { loadDataset } from '../nlp/dataset/load';
import { SPLIT_NAMES, type DatasetProgress } from '../nlp/dataset/types';
import type { ArtifactRef } from '../store/types';
import type { ActivityDeps } from './deps';
import { throttledHeartbeat } from './progress';
import { invalidInput, nonRetryable, translatingErrors } from './failures';

/** `dataset/load@v1`: labelled csv/tsv/jsonl or a built-in dataset -> train/validation/test jsonl and labels.json. */
export const datasetLoad = translatingErrors(run, toFailure);

async function run(deps: ActivityDeps, input: StepInput): Promise<StepResult> {
  const context = Context.current();
  const { sources, format, fields, split } = parseDatasetInputs(input.inputs);
  const staging = await deps.store.stagingDir('dataset');
  try {
    const { files, labels, stats, textPair } = await loadDataset({
      sources,
      format,
      fields,
      split,
      outDir: staging,
      baseDir: input.baseDir,
      workDir: deps.workDir,
      onProgress: throttledHeartbeat<DatasetProgress>(context),
      signal: context.cancellationSignal,
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
    deps.log(`${input.stepId}: dataset of ${num_labels} labels, ${train}/${validation}/${test} train/validation/test examples`);
    return { outputs, attempt: context.info.attempt };
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}

/** Library errors become Temporal failures here, so nlp/ stays free of Temporal. Anything else is retryable. */
function toFailure(error: unknown, stepId: string): unknown {
  if (error instanceof DatasetInputError || error instanceof CorpusInputError) {
    // Errors in `with` say where in it (with.split.test: ...): name the step too, as the compiler would.
    const message = error.message.startsWith('with.') ? `steps.${stepId}.${error.message}` : error.message;
    return invalidInput(message, error.hint);
  }
  if (error instanceof ChecksumError) {
    return nonRetryable('ChecksumMismatch', error.message, 'if the file changed upstream, update sha256 in the pipeline');
  }
  return error;
}
