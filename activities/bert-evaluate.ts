// `bert/evaluate@v1`: a classifier on a labelled split, or a pretrained encoder on pretraining data; writes a JSON
// report, then applies the gate. A missed gate fails the step (GateFailed, not retried) after the report is stored.
import type { Json } from '../contract/json';
import { initBackend, BackendUnavailableError } from '../nlp/backend';
import { SavedModelError } from '../nlp/bert/saved-model';
import { DatasetInputError } from '../nlp/dataset/errors';
import { loadLabels } from '../nlp/dataset/split-file';
import { evaluateClassifierOnSplit, type ClassificationReport } from '../nlp/evaluate/classification';
import { EvaluateInputError } from '../nlp/evaluate/errors';
import { checkGate } from '../nlp/evaluate/gate';
import { evaluateEncoderOnPretrainingData, type PretrainingReport } from '../nlp/evaluate/pretraining';
import { FinetuneDataError } from '../nlp/finetune/examples';
import { ClassifierLoadError } from '../nlp/finetune/saved-classifier';
import { PretrainingDataError } from '../nlp/pretraining-data/errors';
import { invalidInput, nonRetryable } from './failures';
import { defineStep, type StepContext, type StepOutputs } from './step';
import { stepInputs } from './step-inputs';

export const REPORT_FORMAT = 'kiln/evaluation-report@1';

export const bertEvaluate = defineStep(run, toFailure);

async function run(step: StepContext): Promise<StepOutputs> {
  const { input, deps } = step;
  const inputs = stepInputs('bert/evaluate@v1', input);
  // The schema's rules pair a classifier with a dataset split and an encoder with pretraining data, and check the gate's metrics.
  const task = inputs.dataset.kind === 'dataset-split' ? 'classification' : 'pretraining';
  const progress: { [key: string]: Json } = { phase: 'loading', done: 0, total: null };
  step.keepAlive(() => ({ ...progress }));
  const backend = await initBackend(inputs.backend);
  const modelDir = deps.store.pathOf(inputs.model);
  const datasetPath = deps.store.pathOf(inputs.dataset);
  let result: ClassificationReport | PretrainingReport;
  if (task === 'classification') {
    const labelNames = inputs.labels ? (await loadLabels(deps.store.pathOf(inputs.labels))).names : undefined;
    result = await evaluateClassifierOnSplit(modelDir, datasetPath, {
      batchSize: inputs.batch_size,
      maxBatches: inputs.max_batches,
      labelNames,
      onProgress: async (done, total) => {
        Object.assign(progress, { phase: 'evaluating', done, total });
        await new Promise((resolve) => setImmediate(resolve)); // lets heartbeats and cancellation through
      },
    });
  } else {
    progress.phase = 'evaluating';
    result = await evaluateEncoderOnPretrainingData(modelDir, datasetPath, { split: inputs.split, batchSize: inputs.batch_size, maxBatches: inputs.max_batches });
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
  const ref = await deps.store.putJson(report as unknown as Json, { kind: 'report', meta: { task, passed: gate.passed, ...headline } });
  step.log(`${Object.entries(headline).map(([k, v]) => `${k} ${v}`).join(', ')}; ${gate.summary}; report ${ref.uri}`);
  if (!gate.passed) {
    throw nonRetryable(
      'GateFailed',
      `steps.${input.stepId}: ${gate.summary} (report ${ref.uri})`,
      `the model misses the bar set by with.gate; train it longer or on more data, or change the gate. Full report: ${deps.store.pathOf(ref)}`,
    );
  }
  return { report: ref, passed: true, metrics: headline };
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

/** Library errors become Temporal failures here, so nlp/ stays free of Temporal. Anything else is retryable. */
function toFailure(error: unknown, stepId: string): unknown {
  const at = (message: string): string => (message.startsWith('with.') ? `steps.${stepId}.${message}` : message);
  if (error instanceof EvaluateInputError || error instanceof FinetuneDataError || error instanceof DatasetInputError) {
    return invalidInput(at(error.message), error.hint);
  }
  if (error instanceof ClassifierLoadError || error instanceof SavedModelError || error instanceof PretrainingDataError) return invalidInput(error.message, error.hint);
  if (error instanceof BackendUnavailableError) return invalidInput(error.message);
  return error;
}
