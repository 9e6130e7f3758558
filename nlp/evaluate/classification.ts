// A fine-tuned classifier on a labelled split: accuracy, macro and per-class scores, the confusion matrix with
// label names, mean loss, and forward latency per example.
import { loadLabelledSplit } from '../finetune/examples';
import { encodeExamples } from '../finetune/examples';
import { openClassifier } from '../finetune/classifier';
import { disposeClassifierModel } from '../finetune/model';
import { evaluateExamples } from '../finetune/predict';
import { EvaluateInputError } from './errors';

/** What a gate on a classification split may name; the step schema enumerates the same names. */
export const CLASSIFICATION_METRICS = ['accuracy', 'macro_f1', 'macro_precision', 'macro_recall', 'loss', 'latency_ms'] as const;

export interface ClassificationReport {
  task: 'classification';
  /** The headline numbers; latency_ms is forward time per example, in batches of batch_size. */
  metrics: { [M in (typeof CLASSIFICATION_METRICS)[number]]: number } & { examples: number };
  per_class: Array<{ label: string; precision: number; recall: number; f1: number; support: number }>;
  confusion_matrix: { labels: string[]; rows: 'gold'; columns: 'predicted'; matrix: number[][] };
  latency: { batch_size: number; ms_per_example: number; examples_per_sec: number; forward_ms: number };
}

export interface ClassificationOptions {
  batchSize: number;
  /** Only the first maxBatches × batchSize examples; all when absent. */
  maxBatches?: number;
  /** A label set the split's ids refer to; it must be the classifier's (same names, same order). */
  labelNames?: readonly string[];
  onProgress?(done: number, total: number): void | Promise<void>;
}

export async function evaluateClassifierOnSplit(modelDir: string, splitFile: string, options: ClassificationOptions): Promise<ClassificationReport> {
  const { saved, model, tokenizer } = await openClassifier(modelDir);
  try {
    const labels = saved.classifier.labels;
    if (options.labelNames && options.labelNames.join('\n') !== labels.join('\n')) {
      throw new EvaluateInputError(
        `with.labels names ${JSON.stringify(options.labelNames)}, but the classifier was trained on ${JSON.stringify(labels)}`,
        'pass the labels of the dataset the classifier was fine-tuned on, or leave labels out (the classifier carries its own)',
      );
    }
    const all = await loadLabelledSplit(splitFile, labels, 'with.dataset');
    const limit = options.maxBatches === undefined ? all.length : Math.min(all.length, options.maxBatches * options.batchSize);
    if (limit === 0) throw new EvaluateInputError(`with.dataset (${splitFile}): the split has no examples`, 'evaluate on a split with examples (dataset/load@v1 test or validation)');
    const examples = encodeExamples(tokenizer, saved.classifier.max_seq_length, all.slice(0, limit));
    const e = await evaluateExamples(model, examples, {
      batchSize: options.batchSize,
      padId: tokenizer.specialIds.pad,
      onBatch: (done) => options.onProgress?.(done, examples.length),
    });
    const msPerExample = e.forwardMs / e.examples;
    return {
      task: 'classification',
      metrics: {
        accuracy: e.accuracy,
        macro_f1: e.macro_f1,
        macro_precision: e.macro_precision,
        macro_recall: e.macro_recall,
        loss: e.loss,
        latency_ms: msPerExample,
        examples: e.examples,
      },
      per_class: e.per_class.map((s, id) => ({ label: labels[id]!, ...s })),
      confusion_matrix: { labels: [...labels], rows: 'gold', columns: 'predicted', matrix: e.confusion },
      latency: {
        batch_size: options.batchSize,
        ms_per_example: msPerExample,
        examples_per_sec: msPerExample > 0 ? 1000 / msPerExample : 0,
        forward_ms: e.forwardMs,
      },
    };
  } finally {
    disposeClassifierModel(model);
  }
}
