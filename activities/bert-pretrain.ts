// `bert/pretrain@v1`: MLM + NSP pretraining of a BERT on pretraining-data, in a worker thread, with
// checkpoints that survive worker death (resumed from heartbeat details or the checkpoint registry).
import fs from 'node:fs/promises';
import path from 'node:path';

import { ConfigError } from '../nlp/bert/config';
import { pretrainConfig, resumeIdentity, type PretrainConfig, type PretrainSettings } from '../nlp/bert/train-config';
import type { TrainProgress } from '../nlp/bert/train-loop';
import { METRICS_FILE, TrainingThreadError } from '../nlp/training/thread-messages';
import { type TrainingJob, type TrainingThreadResult } from '../nlp/bert/training-job';
import { runPretrainingThread } from '../nlp/bert/training-runner';
import { PretrainingDataError } from '../nlp/pretraining-data/errors';
import { openPretrainingData } from '../nlp/pretraining-data/reader';
import { TokenizerFileError } from '../nlp/tokenizer/errors';
import { loadTokenizer } from '../nlp/tokenizer/tokenizer';
import type { ArtifactRef } from '../store/types';
import type { ActivityDeps } from './deps';
import { invalidInput, nonRetryable } from './failures';
import { defineStep, type StepContext, type StepOutputs } from './step';
import { stepInputs } from './step-inputs';
import { checkpointMirrors, superviseTraining, type TrainingHeartbeat } from './training-supervisor';
import { checkpointHint } from './training-signals';

/** Pretraining's heartbeat: progress, and the checkpoint a retry resumes from. */
export interface PretrainHeartbeat extends TrainingHeartbeat {
  loss: number | null;
  tokens_per_sec: number | null;
}

export const bertPretrain = defineStep(run, toFailure);

async function run(step: StepContext): Promise<StepOutputs> {
  const { input, deps } = step;
  const { data, tokenizer, ...settings } = stepInputs('bert/pretrain@v1', input);
  const dataDir = deps.store.pathOf(data);
  const tokenizerDir = deps.store.pathOf(tokenizer);
  const config = await resolveConfig(settings, dataDir, tokenizerDir);
  const checkpointDir = deps.checkpoints.root(input.workflowId, input.stepId);
  await fs.mkdir(checkpointDir, { recursive: true });
  const staging = await step.staging('model');
  const hint = checkpointHint(step.lastHeartbeat);
  const heartbeat: PretrainHeartbeat = { step: hint?.step ?? 0, total: config.training.steps, loss: null, tokens_per_sec: null, checkpoint: hint };
  const job: TrainingJob = {
    config,
    identity: resumeIdentity(config, { data: data.digest, tokenizer: tokenizer.digest }),
    dataDir,
    tokenizerDir,
    checkpointDir,
    resumeHint: heartbeat.checkpoint,
    earlierDirs: input.resumedFrom.map((workflowId) => deps.checkpoints.root(workflowId, input.stepId)),
    modelDir: path.join(staging, 'model'),
    lineage: { data: data.digest, tokenizer: tokenizer.digest },
  };
  const result = await superviseTraining(
    step,
    heartbeat,
    (p: TrainProgress) => ({ step: p.step, loss: p.loss, tokens_per_sec: p.tokens_per_sec, ...(p.backend ? { backend: p.backend } : {}) }),
    (hooks, signals) => runPretrainingThread(job, hooks, signals),

    checkpointMirrors(deps, job),
  );
  const outputs = await storeOutputs(deps, job, result);
  step.log(`model ${outputs.model.digest} after ${result.step} steps on ${result.backend.name}`);
  return outputs;
}

async function storeOutputs(deps: ActivityDeps, job: TrainingJob, result: TrainingThreadResult): Promise<{ model: ArtifactRef; metrics: ArtifactRef }> {
  const metricsCopy = path.join(path.dirname(job.modelDir), 'metrics.jsonl');
  await fs.copyFile(path.join(job.checkpointDir, METRICS_FILE), metricsCopy);
  const metrics = await deps.store.putFile(metricsCopy, { kind: 'metrics', meta: { steps: result.step, format: 'jsonl' } });
  const { lastTrain: train, finalEval: validation } = result;
  const model = await deps.store.putDirectory(job.modelDir, {
    kind: 'model',
    meta: {
      architecture: 'bert',
      steps: result.step,
      backend: result.backend.name,
      hidden_size: job.config.model.hidden_size,
      num_layers: job.config.model.num_layers,
      vocab_size: job.config.model.vocab_size,
      loss: train?.loss ?? null,
      mlm_accuracy: train?.mlm_accuracy ?? null,
      nsp_accuracy: train?.nsp_accuracy ?? null,
      validation_mlm_accuracy: validation?.mlm_accuracy ?? null,
      validation_perplexity: validation?.perplexity ?? null,
      validation_nsp_accuracy: validation?.nsp_accuracy ?? null,
    },
  });
  return { model, metrics };
}

/** Fits the settings to the tokenizer and the data, whose shapes the model must fit. */
async function resolveConfig(settings: PretrainSettings, dataDir: string, tokenizerDir: string): Promise<PretrainConfig> {
  const tokenizer = await loadTokenizer(tokenizerDir);
  const dataset = await openPretrainingData(dataDir);
  try {
    const { manifest } = dataset;
    if (manifest.vocab_size !== tokenizer.vocab.size) {
      throw invalidInput(
        `the pretraining data was made with a ${manifest.vocab_size}-token vocabulary, the tokenizer has ${tokenizer.vocab.size}`,
        'pass the same tokenizer to bert/pretraining-data and bert/pretrain',
      );
    }
    return pretrainConfig(settings, {
      vocabSize: tokenizer.vocab.size,
      maxSeqLength: manifest.max_seq_length,
      trainInstances: dataset.split('train').instances,
    });
  } finally {
    await dataset.close();
  }
}

/** Library errors become Temporal failures here, so nlp/ stays free of Temporal. Anything else is retryable. */
function toFailure(error: unknown, stepId: string): unknown {
  const where = `steps.${stepId}.with`;
  if (error instanceof ConfigError) return invalidInput(`${where}.${error.message}`);
  if (error instanceof TokenizerFileError || error instanceof PretrainingDataError) return invalidInput(error.message, error.hint);
  if (error instanceof TrainingThreadError) {
    if (error.kind === 'InvalidInput') return invalidInput(error.message, error.hint);
    if (error.kind === 'CorruptCheckpoint') return nonRetryable('CorruptCheckpoint', error.message, error.hint);
  }
  return error;
}
