import path from 'node:path';

import { buildPretrainingData } from '../nlp/pretraining-data/build';
import { PretrainingDataError } from '../nlp/pretraining-data/errors';
import { TokenizerFileError } from '../nlp/tokenizer/errors';
import { loadTokenizer } from '../nlp/tokenizer/tokenizer';
import { corpusPath } from './corpus-artifact';
import { invalidInput } from './failures';
import { defineStep, type StepContext, type StepOutputs } from './step';
import { stepInputs } from './step-inputs';

/** `bert/pretraining-data@v1`: corpus + tokenizer -> sharded MLM+NSP instances (a `pretraining-data` directory). */
export const bertPretrainingData = defineStep(run, (error, stepId) =>
  error instanceof PretrainingDataError || error instanceof TokenizerFileError ? invalidInput(`steps.${stepId}: ${error.message}`, error.hint) : error,
);

async function run(step: StepContext): Promise<StepOutputs> {
  const { input, deps } = step;
  const { corpus, tokenizer: tokenizerRef, ...options } = stepInputs('bert/pretraining-data@v1', input);
  const tokenizer = await loadTokenizer(deps.store.pathOf(tokenizerRef));
  const corpusFile = await corpusPath(deps.store, corpus);

  const outDir = path.join(await step.staging('pretraining-data'), 'data');
  const { manifest, stats } = await buildPretrainingData({
    corpusFile,
    tokenizer,
    outDir,
    options,
    tokenizerDigest: tokenizerRef.digest,
    onProgress: step.progressOrStop,
  });
  const data = await deps.store.putDirectory(outDir, {
    kind: 'pretraining-data',
    meta: {
      max_seq_length: manifest.max_seq_length,
      max_predictions_per_seq: manifest.max_predictions_per_seq,
      vocab_size: manifest.vocab_size,
      train_instances: manifest.splits.train.instances,
      validation_instances: manifest.splits.validation.instances,
    },
  });
  step.log(`pretraining data ${data.digest} (${stats.instances.train} train, ${stats.instances.validation} validation instances)`);
  return { data, stats };
}
