// `bert/evaluate@v1`: a classifier on a labelled split, or a pretrained encoder on pretraining data; writes a JSON
// report, then applies the gate. A missed gate fails the step (GateFailed, not retried) after the report is stored.
import { Context } from '@temporalio/activity';

import type { Json, StepInput, StepResult } from '../compiler/types';
import { initBackend, type BackendChoice, BackendUnavailableError } from '../nlp/backend';
import { SavedModelError } from '../nlp/bert/saved-model';
import { DatasetInputError } from '../nlp/dataset/errors';
import { loadLabels } from '../nlp/dataset/split-file';
import { CLASSIFICATION_METRICS, evaluateClassifierOnSplit, type ClassificationReport } from '../nlp/evaluate/classification';
import { EvaluateInputError } from '../nlp/evaluate/errors';
import { checkGate, checkGateSpec, GateSpecError, type GateSpec } from '../nlp/evaluate/gate';
import { evaluateEncoderOnPretrainingData, PRETRAINING_METRICS, type PretrainingReport } from '../nlp/evaluate/pretraining';
import { FinetuneDataError } from '../nlp/finetune/examples';
import { ClassifierLoadError } from '../nlp/finetune/saved-classifier';
import { PretrainingDataError } from '../nlp/pretraining-data/errors';
import { isArtifactRef, type ArtifactRef } from '../store/types';
import type { ActivityDeps } from './deps';
import { HEARTBEAT_EVERY_MS } from './progress';
import { invalidInput, nonRetryable, translatingErrors } from './failures';

export const REPORT_FORMAT = 'kiln/evaluation-report@1';

interface EvaluateInputs {
  model: ArtifactRef;
  dataset: ArtifactRef;
  labels?: ArtifactRef;
  task: 'classification' | 'pretraining';
  split: 'train' | 'validation';
  batchSize: number;
  maxBatches?: number;
  gate: GateSpec;
  backend: BackendChoice;
}

export const bertEvaluate = translatingErrors(run, toFailure);

async function run(deps: ActivityDeps, input: StepInput): Promise<StepResult> {
  const context = Context.current();
  const inputs = parseInputs(input);
  const available = inputs.task === 'classification' ? CLASSIFICATION_METRICS : PRETRAINING_METRICS;
  checkGateSpec(inputs.gate, available, `steps.${input.stepId}.with.gate`);
  const progress: { [key: string]: Json } = { phase: 'loading', done: 0, total: null };
  const timer = setInterval(() => context.heartbeat({ ...progress }), HEARTBEAT_EVERY_MS);
  try {
    context.heartbeat({ ...progress });
    const backend = await initBackend(inputs.backend);
    const modelDir = deps.store.pathOf(inputs.model);
    const datasetPath = deps.store.pathOf(inputs.dataset);
    let result: ClassificationReport | PretrainingReport;
    if (inputs.task === 'classification') {
      const labelNames = inputs.labels ? (await loadLabels(deps.store.pathOf(inputs.labels))).names : undefined;
      result = await evaluateClassifierOnSplit(modelDir, datasetPath, {
        batchSize: inputs.batchSize,
        maxBatches: inputs.maxBatches,
        labelNames,
        onProgress: async (done, total) => {
          Object.assign(progress, { phase: 'evaluating', done, total });
          await new Promise((resolve) => setImmediate(resolve)); // lets heartbeats and cancellation through
        },
      });
    } else {
      progress.phase = 'evaluating';
      result = await evaluateEncoderOnPretrainingData(modelDir, datasetPath, { split: inputs.split, batchSize: inputs.batchSize, maxBatches: inputs.maxBatches });
    }
    const metrics = result.metrics as unknown as { [key: string]: number };
    const gate = checkGate(inputs.gate, metrics);
    const report = {
      format: REPORT_FORMAT,
      model: { uri: inputs.model.uri, kind: inputs.model.kind, digest: inputs.model.digest },
      dataset: { uri: inputs.dataset.uri, kind: inputs.dataset.kind, digest: inputs.dataset.digest },
      backend: backend.name,
      ...result,
      gate: { min: inputs.gate.min ?? {}, max: inputs.gate.max ?? {}, passed: gate.passed, misses: gate.misses, summary: gate.summary },
    };
    const headline = headlineOf(result);
    const ref = await deps.store.putJson(report as unknown as Json, { kind: 'report', meta: { task: inputs.task, passed: gate.passed, ...headline } });
    deps.log(`${input.stepId}: ${Object.entries(headline).map(([k, v]) => `${k} ${v}`).join(', ')}; ${gate.summary}; report ${ref.uri}`);
    if (!gate.passed) {
      throw nonRetryable(
        'GateFailed',
        `steps.${input.stepId}: ${gate.summary} (report ${ref.uri})`,
        `the model misses the bar set by with.gate; train it longer or on more data, or change the gate. Full report: ${deps.store.pathOf(ref)}`,
      );
    }
    return { outputs: { report: ref, passed: true, metrics: headline }, attempt: context.info.attempt };
  } finally {
    clearInterval(timer);
  }
}

/** The few numbers a pipeline or a person looks at first (the report has everything). */
function headlineOf(r: ClassificationReport | PretrainingReport): { [key: string]: number } {
  const round = (v: number): number => Number(v.toPrecision(6));
  if (r.task === 'classification') {
    const c = r.metrics;
    return { accuracy: round(c.accuracy), macro_f1: round(c.macro_f1), loss: round(c.loss), latency_ms: round(c.latency_ms), examples: c.examples };
  }
  const p = r.metrics;
  return { mlm_accuracy: round(p.mlm_accuracy), perplexity: round(p.perplexity), nsp_accuracy: round(p.nsp_accuracy), loss: round(p.loss), latency_ms: round(p.latency_ms), instances: p.instances };
}

function parseInputs(input: StepInput): EvaluateInputs {
  const { model, dataset, labels, split = 'validation', batch_size: batchSize = 32, max_batches: maxBatches, gate = {}, backend = 'auto' } = input.inputs;
  const where = `steps.${input.stepId}.with`;
  if (!isArtifactRef(model) || (model.kind !== 'classifier' && model.kind !== 'model')) {
    throw invalidInput(`${where}.model: must be a classifier (bert/finetune@v1) or model (bert/pretrain@v1) artifact`, 'use "${{ steps.<id>.outputs.model }}" of either step');
  }
  if (!isArtifactRef(dataset) || (dataset.kind !== 'dataset-split' && dataset.kind !== 'pretraining-data')) {
    throw invalidInput(`${where}.dataset: must be a dataset-split (dataset/load@v1) or pretraining-data (bert/pretraining-data@v1) artifact`);
  }
  const task = dataset.kind === 'dataset-split' ? 'classification' : 'pretraining';
  if (task === 'classification' && model.kind !== 'classifier') {
    throw invalidInput(`${where}.model: a pretrained model has no classification head to evaluate on a labelled split`, 'fine-tune it with bert/finetune@v1 and evaluate its model output, or evaluate on pretraining-data');
  }
  if (task === 'pretraining' && model.kind !== 'model') {
    throw invalidInput(`${where}.model: a classifier has no masked-LM head to evaluate on pretraining data`, 'evaluate the bert/pretrain@v1 model on pretraining data, or the classifier on a dataset split');
  }
  if (labels !== undefined && (!isArtifactRef(labels) || labels.kind !== 'labels' || task !== 'classification')) {
    throw invalidInput(`${where}.labels: must be a labels artifact (dataset/load@v1), and only with a dataset split`);
  }
  if (split !== 'train' && split !== 'validation') throw invalidInput(`${where}.split: must be train or validation (got ${JSON.stringify(split)})`);
  if (!Number.isSafeInteger(batchSize) || (batchSize as number) < 1) throw invalidInput(`${where}.batch_size: must be an integer >= 1 (got ${JSON.stringify(batchSize)})`);
  if (maxBatches !== undefined && (!Number.isSafeInteger(maxBatches) || (maxBatches as number) < 1)) {
    throw invalidInput(`${where}.max_batches: must be an integer >= 1 (got ${JSON.stringify(maxBatches)})`);
  }
  if (typeof gate !== 'object' || gate === null || Array.isArray(gate)) throw invalidInput(`${where}.gate: must be an object { min: {...}, max: {...} }`);
  return {
    model,
    dataset,
    labels: labels as ArtifactRef | undefined,
    task,
    split,
    batchSize: batchSize as number,
    maxBatches: maxBatches as number | undefined,
    gate: gate as GateSpec,
    backend: backend as BackendChoice,
  };
}

/** Library errors become Temporal failures here, so nlp/ stays free of Temporal. Anything else is retryable. */
function toFailure(error: unknown, stepId: string): unknown {
  const at = (message: string): string => (message.startsWith('with.') ? `steps.${stepId}.${message}` : message);
  if (error instanceof GateSpecError || error instanceof EvaluateInputError || error instanceof FinetuneDataError || error instanceof DatasetInputError) {
    return invalidInput(at(error.message), error.hint);
  }
  if (error instanceof ClassifierLoadError || error instanceof SavedModelError || error instanceof PretrainingDataError) return invalidInput(error.message, error.hint);
  if (error instanceof BackendUnavailableError) return invalidInput(error.message);
  return error;
}
