// A pretrained encoder on pretraining data: masked-LM accuracy and perplexity, next-sentence accuracy
// (nlp/bert/evaluate.ts over the first batches of a split), and forward latency per sequence.
import { evaluatePretraining, type EvalMetrics } from '../bert/evaluate';
import { disposeBertModel } from '../bert/model';
import { bertModelFromSaved, loadSavedModel } from '../bert/saved-model';
import { openPretrainingData } from '../pretraining-data/reader';
import { EvaluateInputError } from './errors';

/** What a gate on pretraining data may name; the step schema enumerates the same names. */
export const PRETRAINING_METRICS = ['mlm_accuracy', 'mlm_loss', 'perplexity', 'nsp_accuracy', 'nsp_loss', 'loss', 'latency_ms'] as const;

export interface PretrainingReport {
  task: 'pretraining';
  split: 'train' | 'validation';
  metrics: Omit<EvalMetrics, 'instances'> & { latency_ms: number; instances: number };
  latency: { batch_size: number; ms_per_example: number; examples_per_sec: number };
}

export interface PretrainingOptions {
  split: 'train' | 'validation';
  batchSize: number;
  maxBatches?: number;
}

export async function evaluateEncoderOnPretrainingData(modelDir: string, dataDir: string, options: PretrainingOptions): Promise<PretrainingReport> {
  const saved = await loadSavedModel(modelDir);
  const data = await openPretrainingData(dataDir);
  try {
    const { manifest } = data;
    if (manifest.vocab_size !== saved.config.vocab_size) {
      throw new EvaluateInputError(
        `the pretraining data has a ${manifest.vocab_size}-token vocabulary, the model's vocab_size is ${saved.config.vocab_size}`,
        'evaluate on data made with the tokenizer the model was pretrained with',
      );
    }
    if (manifest.max_seq_length > saved.config.max_position_embeddings) {
      throw new EvaluateInputError(
        `the data's max_seq_length ${manifest.max_seq_length} exceeds the model's max_position_embeddings ${saved.config.max_position_embeddings}`,
        `build the data with max_seq_length <= ${saved.config.max_position_embeddings}`,
      );
    }
    const split = data.split(options.split);
    if (split.instances === 0) {
      throw new EvaluateInputError(`with.split: the data's ${options.split} split has no instances`, 'use the other split, or rebuild the data with validation_fraction > 0');
    }
    const model = bertModelFromSaved(saved);
    try {
      const t0 = performance.now();
      const e = await evaluatePretraining(model, split, { batchSize: options.batchSize, maxBatches: options.maxBatches ?? Infinity });
      const ms = (performance.now() - t0) / e!.instances;
      return {
        task: 'pretraining',
        split: options.split,
        metrics: { ...e!, latency_ms: ms },
        latency: { batch_size: options.batchSize, ms_per_example: ms, examples_per_sec: ms > 0 ? 1000 / ms : 0 },
      };
    } finally {
      disposeBertModel(model);
    }
  } finally {
    await data.close();
  }
}
