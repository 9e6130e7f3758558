import path from 'node:path';

import { buildCorpus } from '../nlp/corpus/build';
import { ChecksumError, CorpusInputError } from '../nlp/corpus/errors';
import { invalidInput, nonRetryable } from './failures';
import { defineStep, type StepContext, type StepOutputs } from './step';
import { stepInputs } from './step-inputs';

/** `corpus/download@v1`: urls, files and built-in datasets -> corpus.txt in BERT's document format, in the store. */
export const corpusDownload = defineStep(run, toFailure);

async function run(step: StepContext): Promise<StepOutputs> {
  const { input, deps } = step;
  const { sources, min_sentence_chars: minSentenceChars } = stepInputs('corpus/download@v1', input);
  const outFile = path.join(await step.staging('corpus'), 'corpus.txt');
  const stats = await buildCorpus({
    sources,
    outFile,
    baseDir: input.baseDir,
    workDir: deps.workDir,
    minSentenceChars,
    onProgress: step.progress,
    signal: step.signal,
  });
  const { documents, sentences, words, bytes } = stats;
  const corpus = await deps.store.putFile(outFile, { kind: 'corpus', meta: { documents, sentences, words, bytes } });
  step.log(`corpus ${corpus.digest} (${documents} documents, ${sentences} sentences, ${words} words)`);
  return { corpus, stats };
}

/** Library errors become Temporal failures here, so nlp/ stays free of Temporal. Anything else is retryable. */
function toFailure(error: unknown): unknown {
  if (error instanceof CorpusInputError) return invalidInput(error.message, error.hint);
  if (error instanceof ChecksumError) {
    return nonRetryable('ChecksumMismatch', error.message, 'if the file changed upstream, update sha256 in the pipeline');
  }
  return error;
}
