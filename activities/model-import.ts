// `model/import@v1`: a Hugging Face BERT (a local directory or a base URL) → a kiln model artifact and its tokenizer.
import fs from 'node:fs/promises';
import path from 'node:path';

import type { Json } from '../contract/json';
import { ConfigError } from '../nlp/bert/config';
import { ChecksumError, CorpusInputError } from '../nlp/corpus/errors';
import { HfFormatError } from '../nlp/hf/errors';
import { fetchHfModel } from '../nlp/hf/fetch';
import { describeAbsent, importHfModel } from '../nlp/hf/import';
import { TokenizerFileError } from '../nlp/tokenizer/errors';
import { sha256File } from '../store/atomic';
import { invalidInput, nonRetryable } from './failures';
import { defineStep, type StepContext, type StepOutputs } from './step';
import { stepInputs } from './step-inputs';
import { resolveInputPath } from '../system/input-path';

export const modelImport = defineStep(run, toFailure);

async function run(step: StepContext): Promise<StepOutputs> {
  const { input, deps } = step;
  const inputs = stepInputs('model/import@v1', input);
  const staging = await step.staging('model-import');
  let source: string;
  let origin: { [key: string]: Json };
  if (inputs.url !== undefined) {
    source = path.join(staging, 'download');
    step.log(`downloading ${inputs.url}`);
    const files = await fetchHfModel(inputs.url, source, {
      workDir: deps.workDir,
      sha256: inputs.sha256,
      signal: step.signal,
      onProgress: (p) => step.progress({ phase: 'download', ...p }),
    });
    origin = { url: inputs.url, files };
  } else {
    source = resolveInputPath(input.baseDir, inputs.path!);
    await checkLocalDigests(source, inputs.sha256 ?? {});
    origin = { path: path.basename(source) };
  }

  const stop = step.keepAlive(() => ({ phase: 'import' }));
  const modelDir = path.join(staging, 'model');
  const tokenizerDir = path.join(staging, 'tokenizer');
  const { report } = await importHfModel(source, { modelDir, tokenizerDir }, { source: origin });
  stop();

  const model = await deps.store.putDirectory(modelDir, {
    kind: 'model',
    meta: { architecture: 'bert', imported: true, parameters: report.parameters, vocab_size: report.vocab_size, pooling: report.pooling.mode },
  });
  const tokenizer = await deps.store.putDirectory(tokenizerDir, { kind: 'tokenizer', meta: { vocab_size: report.vocab_size } });
  const lacking = report.absent.length > 0 ? `; without ${describeAbsent(report.absent)}` : '';
  step.log(`model ${model.digest} (${report.parameters.toLocaleString('en-US')} parameters, ${report.pooling.mode} pooling${lacking})`);
  for (const { name, reason } of report.ignored) step.log(`not imported: ${name} (${reason})`);
  return { model, tokenizer, report };
}

/** With `path`, the sha256 the pipeline gives per file is checked too: the same pin works for both sources. */
async function checkLocalDigests(dir: string, expected: Record<string, string>): Promise<void> {
  for (const [name, sha256] of Object.entries(expected)) {
    const file = path.join(dir, name);
    const stat = await fs.stat(file).catch(() => undefined);
    if (!stat?.isFile()) throw new CorpusInputError(`with.sha256 names '${name}', which ${dir} lacks`, 'name the files by their path in the model directory, e.g. model.safetensors');
    const { hex } = await sha256File(file);
    if (hex !== sha256) throw new ChecksumError(file, hex, sha256);
  }
}

/** Library errors become Temporal failures here, so nlp/ stays free of Temporal. Anything else is retryable. */
function toFailure(error: unknown, stepId: string): unknown {
  if (error instanceof HfFormatError || error instanceof TokenizerFileError || error instanceof CorpusInputError) {
    return invalidInput(`steps.${stepId}: ${error.message}`, error.hint);
  }
  if (error instanceof ConfigError) return invalidInput(`steps.${stepId}: config.json: ${error.message}`);
  if (error instanceof ChecksumError) {
    return nonRetryable('ChecksumMismatch', `steps.${stepId}: ${error.message}`, 'if the model changed upstream, update with.sha256 in the pipeline');
  }
  return error;
}
