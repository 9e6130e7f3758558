// `bert/finetune@v1`: sequence classification on a pretrained (or fresh) BERT encoder, in a worker thread, with
// early stopping on validation and checkpoints that survive worker death (as bert/pretrain@v1's do).
import fs from 'node:fs/promises';
import path from 'node:path';

import type { BertFinetuneInputs } from '../compiler/step-inputs.generated';
import type { Json } from '../contract/json';
import { ConfigError } from '../nlp/bert/config';
import { loadSavedModel, SavedModelError } from '../nlp/bert/saved-model';
import { METRICS_FILE, TrainingThreadError } from '../nlp/training/thread-messages';
import { DatasetInputError } from '../nlp/dataset/errors';
import { finetuneConfig, finetuneIdentity, type FinetuneConfig, type FinetuneSettings } from '../nlp/finetune/config';
import { readFinetuneData } from '../nlp/finetune/data';
import { FinetuneDataError } from '../nlp/finetune/examples';
import type { FinetuneJob, FinetuneThreadResult } from '../nlp/finetune/job';
import { runFinetuneThread } from '../nlp/finetune/runner';
import { TokenizerFileError } from '../nlp/tokenizer/errors';
import { loadTokenizer } from '../nlp/tokenizer/tokenizer';
import type { ArtifactRef } from '../store/types';
import type { FinetuneProgress } from '../nlp/finetune/loop';
import { checkpointMirrors, superviseTraining, type TrainingHeartbeat } from './training-supervisor';
import { checkpointHint } from './training-signals';
import type { ActivityDeps } from './deps';
import { invalidInput, nonRetryable } from './failures';
import { defineStep, type StepContext, type StepOutputs } from './step';
import { stepInputs } from './step-inputs';

/** What every heartbeat carries; a retry reads `checkpoint` back from its `step.lastHeartbeat`. */
export interface FinetuneHeartbeat extends TrainingHeartbeat {
  epoch: number;
  loss: number | null;
  examples_per_sec: number | null;
  tokens_per_sec: number | null;
}

export const bertFinetune = defineStep(run, toFailure);

async function run(step: StepContext): Promise<StepOutputs> {
  const { input, deps } = step;
  const { model, tokenizer, train, validation, labels, ...settings } = stepInputs('bert/finetune@v1', input);
  // With model.from_scratch, a rule of the schema makes the tokenizer required.
  const artifacts: FinetuneArtifacts = { model: 'from_scratch' in model ? undefined : model, tokenizer, train, validation, labels };
  const dirs = {
    base: artifacts.model ? deps.store.pathOf(artifacts.model) : null,
    tokenizer: deps.store.pathOf(artifacts.tokenizer ?? artifacts.model!),
    train: deps.store.pathOf(artifacts.train),
    validation: deps.store.pathOf(artifacts.validation),
    labels: deps.store.pathOf(artifacts.labels),
  };
  const config = await resolveConfig(deps, settings, model, dirs);
  const checkpointDir = deps.checkpoints.root(input.workflowId, input.stepId);
  await fs.mkdir(checkpointDir, { recursive: true });
  const staging = await step.staging('classifier');
  const hint = checkpointHint(step.lastHeartbeat);
  const heartbeat: FinetuneHeartbeat = { step: hint?.step ?? 0, total: config.optimizer.total_steps, epoch: 0, loss: null, examples_per_sec: null, tokens_per_sec: null, checkpoint: hint };
  const lineage = lineageOf(artifacts);
  const job: FinetuneJob = {
    config,
    identity: finetuneIdentity(config, lineage),
    baseModelDir: dirs.base,
    tokenizerDir: dirs.tokenizer,
    trainFile: dirs.train,
    validationFile: dirs.validation,
    labelsFile: dirs.labels,
    checkpointDir,
    resumeHint: heartbeat.checkpoint,
    earlierDirs: input.resumedFrom.map((workflowId) => deps.checkpoints.root(workflowId, input.stepId)),
    modelDir: path.join(staging, 'classifier'),
    name: `${input.pipeline}/${input.stepId}`,
    lineage,
  };
  const result = await superviseTraining(
    step,
    heartbeat,
    (p: FinetuneProgress) => ({ step: p.step, epoch: p.epoch, loss: p.loss, examples_per_sec: p.examples_per_sec, tokens_per_sec: p.tokens_per_sec, ...(p.backend ? { backend: p.backend } : {}) }),
    (hooks, signals) => runFinetuneThread(job, hooks, signals),

    checkpointMirrors(deps, job),
  );
  const outputs = await storeOutputs(deps, job, result);
  const acc = result.best?.accuracy;
  step.log(`classifier ${outputs.model.digest} after ${result.step} steps on ${result.backend.name}` + (acc === undefined ? '' : `, validation accuracy ${acc.toFixed(4)}`));
  return outputs;
}

interface FinetuneArtifacts {
  /** The pretrained model; absent when training from scratch. */
  model?: ArtifactRef;
  tokenizer?: ArtifactRef;
  train: ArtifactRef;
  validation: ArtifactRef;
  labels: ArtifactRef;
}

function lineageOf(a: FinetuneArtifacts): { [key: string]: Json } {
  return {
    base_model: a.model?.digest ?? null,
    tokenizer: (a.tokenizer ?? a.model!).digest,
    train: a.train.digest,
    validation: a.validation.digest,
    labels: a.labels.digest,
  };
}

async function storeOutputs(deps: ActivityDeps, job: FinetuneJob, result: FinetuneThreadResult): Promise<{ model: ArtifactRef; metrics: ArtifactRef }> {
  const metricsCopy = path.join(path.dirname(job.modelDir), 'metrics.jsonl');
  await fs.copyFile(path.join(job.checkpointDir, METRICS_FILE), metricsCopy);
  const metrics = await deps.store.putFile(metricsCopy, { kind: 'metrics', meta: { steps: result.step, format: 'jsonl' } });
  const { config } = job;
  const best = result.best;
  const model = await deps.store.putDirectory(job.modelDir, {
    kind: 'classifier',
    meta: {
      architecture: 'bert',
      num_labels: config.num_labels,
      steps: result.step,
      stopped_early: result.stoppedEarly,
      best_step: best?.step ?? null,
      backend: result.backend.name,
      from_scratch: config.from_scratch,
      hidden_size: config.model.hidden_size,
      num_layers: config.model.num_layers,
      vocab_size: config.model.vocab_size,
      max_seq_length: config.training.max_seq_length,
      validation_accuracy: best?.accuracy ?? null,
      validation_macro_f1: best?.macro_f1 ?? null,
      validation_loss: best?.loss ?? null,
    },
  });
  return { model, metrics };
}

/** Fits the settings to the tokenizer, the encoder and the data, which must all fit together. */
async function resolveConfig(
  deps: ActivityDeps,
  settings: FinetuneSettings,
  model: BertFinetuneInputs['model'],
  dirs: { tokenizer: string; train: string; validation: string; labels: string },
): Promise<FinetuneConfig> {
  const tokenizer = await loadTokenizer(dirs.tokenizer);
  const encoder = 'from_scratch' in model ? { fromScratch: model.from_scratch } : { pretrained: (await loadSavedModel(deps.store.pathOf(model))).config };
  const data = await readFinetuneData({ trainFile: dirs.train, validationFile: dirs.validation, labelsFile: dirs.labels });
  return finetuneConfig(settings, {
    vocabSize: tokenizer.vocab.size,
    encoder,
    trainExamples: data.train.length,
    numLabels: data.labels.names.length,
  });
}

/** Library errors become Temporal failures here, so nlp/ stays free of Temporal. Anything else is retryable. */
function toFailure(error: unknown, stepId: string): unknown {
  // Library messages say where in `with` (with.train: ...; a ConfigError's starts at the key): name the step too.
  const at = (message: string): string => (message.startsWith('with.') ? `steps.${stepId}.${message}` : message);
  if (error instanceof ConfigError) return invalidInput(`steps.${stepId}.with.${error.message}`);
  if (error instanceof FinetuneDataError || error instanceof DatasetInputError) return invalidInput(at(error.message), error.hint);
  if (error instanceof TokenizerFileError || error instanceof SavedModelError) return invalidInput(error.message, error.hint);
  if (error instanceof TrainingThreadError) {
    if (error.kind === 'InvalidInput') return invalidInput(at(error.message), error.hint);
    if (error.kind === 'CorruptCheckpoint') return nonRetryable('CorruptCheckpoint', error.message, error.hint);
  }
  return error;
}
