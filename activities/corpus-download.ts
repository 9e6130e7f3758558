import fs from 'node:fs/promises';
import path from 'node:path';

import { Context } from '@temporalio/activity';

import type { StepInput, StepResult } from '../compiler/types';
import { buildCorpus } from '../nlp/corpus/build';
import { ChecksumError, CorpusInputError } from '../nlp/corpus/errors';
import { parseCorpusInputs } from '../nlp/corpus/inputs';
import type { CorpusProgress } from '../nlp/corpus/types';
import type { ActivityDeps } from './deps';
import { throttledHeartbeat } from './progress';
import { invalidInput, nonRetryable, translatingErrors } from './failures';

/** `corpus/download@v1`: urls, files and built-in datasets -> corpus.txt in BERT's document format, in the store. */
export const corpusDownload = translatingErrors(run, toFailure);

async function run(deps: ActivityDeps, input: StepInput): Promise<StepResult> {
  const context = Context.current();
  const { sources, minSentenceChars } = parseCorpusInputs(input.inputs);
  const staging = await deps.store.stagingDir('corpus');
  try {
    const outFile = path.join(staging, 'corpus.txt');
    const stats = await buildCorpus({
      sources,
      outFile,
      baseDir: input.baseDir,
      workDir: deps.workDir,
      minSentenceChars,
      onProgress: throttledHeartbeat<CorpusProgress>(context),
      signal: context.cancellationSignal,
    });
    const { documents, sentences, words, bytes } = stats;
    const corpus = await deps.store.putFile(outFile, { kind: 'corpus', meta: { documents, sentences, words, bytes } });
    deps.log(`${input.stepId}: corpus ${corpus.digest} (${documents} documents, ${sentences} sentences, ${words} words)`);
    return { outputs: { corpus, stats }, attempt: context.info.attempt };
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}

/** Library errors become Temporal failures here, so nlp/ stays free of Temporal. Anything else is retryable. */
function toFailure(error: unknown): unknown {
  if (error instanceof CorpusInputError) return invalidInput(error.message, error.hint);
  if (error instanceof ChecksumError) {
    return nonRetryable('ChecksumMismatch', error.message, 'if the file changed upstream, update sha256 in the pipeline');
  }
  return error;
}
