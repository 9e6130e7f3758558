// `bert/pretrain@v1`: MLM + NSP pretraining of a BERT on pretraining-data, in a worker thread, with
// checkpoints that survive worker death (resumed from heartbeat details or the checkpoint registry).
import fs from 'node:fs/promises';
import path from 'node:path';

import { Context } from '@temporalio/activity';

import type { StepInput, StepResult } from '../compiler/types';
import { ConfigError } from '../nlp/bert/config-check';
import { resolvePretrainConfig, resumeIdentity, type PretrainConfig, type PretrainInputs } from '../nlp/bert/train-config';
import type { TrainProgress } from '../nlp/bert/train-loop';
import { METRICS_FILE, TrainingThreadError, type TrainingJob, type TrainingThreadResult } from '../nlp/bert/training-job';
import { runTrainingThread } from '../nlp/bert/training-runner';
import { PretrainingDataError } from '../nlp/pretraining-data/errors';
import { openPretrainingData } from '../nlp/pretraining-data/reader';
import { TokenizerFileError } from '../nlp/tokenizer/errors';
import { loadTokenizer } from '../nlp/tokenizer/tokenizer';
import { checkpointRoot } from '../store/checkpoints';
import { isArtifactRef, type ArtifactRef } from '../store/types';
import type { ActivityDeps } from './deps';
import { invalidInput, nonRetryable, translatingErrors } from './failures';
import { superviseTraining, type TrainingHeartbeat } from './training-supervisor';
import { checkpointHint } from './training-signals';

/** Pretraining's heartbeat: progress, and the checkpoint a retry resumes from. */
export interface PretrainHeartbeat extends TrainingHeartbeat {
  loss: number | null;
  tokens_per_sec: number | null;
}

export const bertPretrain = translatingErrors(run, toFailure);

async function run(deps: ActivityDeps, input: StepInput): Promise<StepResult> {
  const context = Context.current();
  const { data, tokenizer, rest } = parseInputs(input);
  const dataDir = deps.store.pathOf(data);
  const tokenizerDir = deps.store.pathOf(tokenizer);
  const config = await resolveConfig(rest, dataDir, tokenizerDir);
  const checkpointDir = checkpointRoot(input.workflowId, input.stepId);
  await fs.mkdir(checkpointDir, { recursive: true });
  const staging = await deps.store.stagingDir('model');
  const hint = checkpointHint(context.info.heartbeatDetails);
  const heartbeat: PretrainHeartbeat = { step: hint?.step ?? 0, total: config.training.steps, loss: null, tokens_per_sec: null, checkpoint: hint };
  try {
    const job: TrainingJob = {
      config,
      identity: resumeIdentity(config, { data: data.digest, tokenizer: tokenizer.digest }),
      dataDir,
      tokenizerDir,
      checkpointDir,
      resumeHint: heartbeat.checkpoint,
      earlierDirs: input.resumedFrom.map((workflowId) => checkpointRoot(workflowId, input.stepId)),
      modelDir: path.join(staging, 'model'),
      lineage: { data: data.digest, tokenizer: tokenizer.digest },
    };
    const result = await superviseTraining(
      deps,
      input.stepId,
      heartbeat,
      (p: TrainProgress) => ({ step: p.step, loss: p.loss, tokens_per_sec: p.tokens_per_sec, ...(p.backend ? { backend: p.backend } : {}) }),
      (hooks, signals) => runTrainingThread(job, hooks, signals),
    );
    const outputs = await storeOutputs(deps, job, result);
    deps.log(`${input.stepId}: model ${outputs.model.digest} after ${result.step} steps on ${result.backend.name}`);
    return { outputs, attempt: context.info.attempt };
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
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

/** Resolves the config against the tokenizer and the data, whose shapes the model must fit. */
async function resolveConfig(rest: PretrainInputs, dataDir: string, tokenizerDir: string): Promise<PretrainConfig> {
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
    return resolvePretrainConfig(rest, {
      vocabSize: tokenizer.vocab.size,
      maxSeqLength: manifest.max_seq_length,
      trainInstances: dataset.split('train').instances,
    });
  } finally {
    await dataset.close();
  }
}

function parseInputs(input: StepInput): { data: ArtifactRef; tokenizer: ArtifactRef; rest: PretrainInputs } {
  const { data, tokenizer, ...rest } = input.inputs;
  const where = `steps.${input.stepId}.with`;
  if (!isArtifactRef(data) || data.kind !== 'pretraining-data') {
    throw invalidInput(`${where}.data: must be a pretraining-data artifact`, 'use "${{ steps.<id>.outputs.data }}" of a bert/pretraining-data step');
  }
  if (!isArtifactRef(tokenizer) || tokenizer.kind !== 'tokenizer') {
    throw invalidInput(`${where}.tokenizer: must be a tokenizer artifact`, 'use "${{ steps.<id>.outputs.tokenizer }}" of a tokenizer/wordpiece step');
  }
  return { data, tokenizer, rest: rest as PretrainInputs };
}

/** Library errors become Temporal failures here, so nlp/ stays free of Temporal. Anything else is retryable. */
function toFailure(error: unknown, stepId: string): unknown {
  const where = `steps.${stepId}.with`;
  if (error instanceof ConfigError) return invalidInput(`${where}.${error.message.replace(/^with\./, '')}`);
  if (error instanceof TokenizerFileError || error instanceof PretrainingDataError) return invalidInput(error.message, error.hint);
  if (error instanceof TrainingThreadError) {
    if (error.kind === 'InvalidInput') return invalidInput(error.message, error.hint);
    if (error.kind === 'CorruptCheckpoint') return nonRetryable('CorruptCheckpoint', error.message, error.hint);
  }
  return error;
}
