// `bert/finetune@v1`: sequence classification on a pretrained (or fresh) BERT encoder, in a worker thread, with
// early stopping on validation and checkpoints that survive worker death (as bert/pretrain@v1's do).
import fs from 'node:fs/promises';
import path from 'node:path';

import { Context } from '@temporalio/activity';

import type { Json, StepInput, StepResult } from '../compiler/types';
import type { BertConfig } from '../nlp/bert/config';
import { ConfigError } from '../nlp/bert/config-check';
import { loadSavedModel, SavedModelError } from '../nlp/bert/saved-model';
import { METRICS_FILE, TrainingThreadError } from '../nlp/bert/training-job';
import { DatasetInputError } from '../nlp/dataset/errors';
import { finetuneIdentity, resolveFinetuneConfig, type FinetuneConfig, type FinetuneInputs } from '../nlp/finetune/config';
import { readFinetuneData } from '../nlp/finetune/data';
import { FinetuneDataError } from '../nlp/finetune/examples';
import type { FinetuneJob, FinetuneThreadResult } from '../nlp/finetune/job';
import { runFinetuneThread } from '../nlp/finetune/runner';
import { TokenizerFileError } from '../nlp/tokenizer/errors';
import { loadTokenizer } from '../nlp/tokenizer/tokenizer';
import { checkpointRoot } from '../store/checkpoints';
import { isArtifactRef, type ArtifactRef } from '../store/types';
import type { FinetuneProgress } from '../nlp/finetune/loop';
import { superviseTraining, type TrainingHeartbeat } from './training-supervisor';
import { checkpointHint } from './training-signals';
import type { ActivityDeps } from './deps';
import { invalidInput, nonRetryable, translatingErrors } from './failures';

/** What every heartbeat carries; a retry reads `checkpoint` back from activityInfo().heartbeatDetails. */
export interface FinetuneHeartbeat extends TrainingHeartbeat {
  epoch: number;
  loss: number | null;
  examples_per_sec: number | null;
  tokens_per_sec: number | null;
}

export const bertFinetune = translatingErrors(run, toFailure);

async function run(deps: ActivityDeps, input: StepInput): Promise<StepResult> {
  const context = Context.current();
  const { artifacts, rest } = parseFinetuneInputs(input);
  const dirs = {
    base: artifacts.model ? deps.store.pathOf(artifacts.model) : null,
    tokenizer: deps.store.pathOf(artifacts.tokenizer ?? artifacts.model!),
    train: deps.store.pathOf(artifacts.train),
    validation: deps.store.pathOf(artifacts.validation),
    labels: deps.store.pathOf(artifacts.labels),
  };
  const config = await resolveConfig(rest, dirs);
  const checkpointDir = checkpointRoot(input.workflowId, input.stepId);
  await fs.mkdir(checkpointDir, { recursive: true });
  const staging = await deps.store.stagingDir('classifier');
  const hint = checkpointHint(context.info.heartbeatDetails);
  const heartbeat: FinetuneHeartbeat = { step: hint?.step ?? 0, total: config.optimizer.total_steps, epoch: 0, loss: null, examples_per_sec: null, tokens_per_sec: null, checkpoint: hint };
  try {
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
      earlierDirs: input.resumedFrom.map((workflowId) => checkpointRoot(workflowId, input.stepId)),
      modelDir: path.join(staging, 'classifier'),
      name: `${input.pipeline}/${input.stepId}`,
      lineage,
    };
    const result = await superviseTraining(
      deps,
      input.stepId,
      heartbeat,
      ({ step, epoch, loss, examples_per_sec, tokens_per_sec, backend }: FinetuneProgress) => ({ step, epoch, loss, examples_per_sec, tokens_per_sec, ...(backend ? { backend } : {}) }),
      (hooks, signals) => runFinetuneThread(job, hooks, signals),
    );
    const outputs = await storeOutputs(deps, job, result);
    const acc = result.best?.accuracy;
    deps.log(`${input.stepId}: classifier ${outputs.model.digest} after ${result.step} steps on ${result.backend.name}` + (acc === undefined ? '' : `, validation accuracy ${acc.toFixed(4)}`));
    return { outputs, attempt: context.info.attempt };
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}

interface FinetuneArtifacts {
  /** The pretrained model; absent when training from scratch. */
  model?: ArtifactRef;
  tokenizer?: ArtifactRef;
  train: ArtifactRef;
  validation: ArtifactRef;
  labels: ArtifactRef;
}

function artifact(value: unknown, kind: string, where: string, source: [output: string, stepType: string]): ArtifactRef {
  if (isArtifactRef(value) && value.kind === kind) return value;
  const got = isArtifactRef(value) ? ` (got a ${value.kind} artifact)` : '';
  throw invalidInput(`${where}: must be a ${kind} artifact${got}`, `use "\${{ steps.<id>.outputs.${source[0]} }}" of a ${source[1]} step`);
}

function parseFinetuneInputs(input: StepInput): { artifacts: FinetuneArtifacts; rest: FinetuneInputs } {
  const { model, tokenizer, train, validation, labels, ...rest } = input.inputs;
  const where = `steps.${input.stepId}.with`;
  const artifacts: FinetuneArtifacts = {
    train: artifact(train, 'dataset-split', `${where}.train`, ['train', 'dataset/load@v1']),
    validation: artifact(validation, 'dataset-split', `${where}.validation`, ['validation', 'dataset/load@v1']),
    labels: artifact(labels, 'labels', `${where}.labels`, ['labels', 'dataset/load@v1']),
  };
  if (tokenizer !== undefined) artifacts.tokenizer = artifact(tokenizer, 'tokenizer', `${where}.tokenizer`, ['tokenizer', 'tokenizer/wordpiece@v1']);
  const scratch = typeof model === 'object' && model !== null && !Array.isArray(model) && 'from_scratch' in model ? model.from_scratch : undefined;
  if (scratch !== undefined) {
    if (!artifacts.tokenizer) throw invalidInput(`${where}.tokenizer: required with model.from_scratch`, 'a fresh encoder needs a vocabulary: pass the tokenizer of a tokenizer/wordpiece step');
    return { artifacts, rest: { ...(rest as FinetuneInputs), from_scratch: (scratch ?? {}) as FinetuneInputs['from_scratch'] } };
  }
  if (model === undefined) {
    throw invalidInput(`${where}.model: required`, 'pass "${{ steps.<id>.outputs.model }}" of a bert/pretrain step, or model: { from_scratch: { hidden_size: 128, ... } }');
  }
  artifacts.model = artifact(model, 'model', `${where}.model`, ['model', 'bert/pretrain@v1']);
  return { artifacts, rest: rest as FinetuneInputs };
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

/** Resolves the config against the tokenizer, the base model and the data, which must all fit together. */
async function resolveConfig(
  rest: FinetuneInputs,
  dirs: { base: string | null; tokenizer: string; train: string; validation: string; labels: string },
): Promise<FinetuneConfig> {
  const tokenizer = await loadTokenizer(dirs.tokenizer);
  const pretrained: BertConfig | null = dirs.base ? (await loadSavedModel(dirs.base)).config : null;
  const data = await readFinetuneData({ trainFile: dirs.train, validationFile: dirs.validation, labelsFile: dirs.labels });
  return resolveFinetuneConfig(rest, {
    vocabSize: tokenizer.vocab.size,
    pretrained,
    trainExamples: data.train.length,
    numLabels: data.labels.names.length,
  });
}

/** Library errors become Temporal failures here, so nlp/ stays free of Temporal. Anything else is retryable. */
function toFailure(error: unknown, stepId: string): unknown {
  // Library messages say where in `with` (with.max_seq_length ..., model.hidden_size ... of from_scratch): name the step too.
  const at = (message: string): string =>
    message.startsWith('with.') ? `steps.${stepId}.${message}` : message.startsWith('model') ? `steps.${stepId}.with.model.from_scratch${message.slice(5)}` : message;
  if (error instanceof ConfigError) return invalidInput(at(error.message));
  if (error instanceof FinetuneDataError || error instanceof DatasetInputError) return invalidInput(at(error.message), error.hint);
  if (error instanceof TokenizerFileError || error instanceof SavedModelError) return invalidInput(error.message, error.hint);
  if (error instanceof TrainingThreadError) {
    if (error.kind === 'InvalidInput') return invalidInput(at(error.message), error.hint);
    if (error.kind === 'CorruptCheckpoint') return nonRetryable('CorruptCheckpoint', error.message, error.hint);
  }
  return error;
}
