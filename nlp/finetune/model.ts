// A sequence classifier: the BERT encoder and a dense layer on the pooled [CLS] vector (BERT's fine-tuning head).
// The pretraining heads (cls/...) stay in the BertModel but are neither trained nor saved.
import * as tf from '@tensorflow/tfjs-core';

import type { Dropout } from '../bert/dropout';
import { disposeBertModel, runEncoder, type BertModel, type EncoderInputs } from '../bert/model';
import { dense } from '../bert/ops';
import type { DenseParams, NamedVariable } from '../bert/params';
import { CounterRng } from '../bert/rng';

export const HEAD_KERNEL = 'classifier/kernel';
export const HEAD_BIAS = 'classifier/bias';

export interface ClassifierModel {
  readonly bert: BertModel;
  readonly head: DenseParams; // kernel [hidden, numLabels], bias [numLabels]
  readonly numLabels: number;
  /** What is trained, checkpointed and saved, in that order: embeddings, encoder layers, pooler, then the head. */
  readonly variables: readonly NamedVariable[];
}

/** Weights of the encoder a classifier uses: everything but the masked-LM and next-sentence heads. */
export function isEncoderWeight(name: string): boolean {
  return !name.startsWith('cls/');
}

/** Adds a head initialised from (seed, its name) as BERT does: truncated normal, zero bias. Takes ownership of `bert`. */
export function createClassifierModel(bert: BertModel, numLabels: number, seed: number): ClassifierModel {
  const h = bert.config.hidden_size;
  const values = new Float32Array(h * numLabels);
  CounterRng.fromSeed(seed, `init/${HEAD_KERNEL}`).fillTruncatedNormal(values, bert.config.initializer_range);
  const head: DenseParams = {
    kernel: tf.tidy(() => tf.variable(tf.tensor2d(values, [h, numLabels]), true)),
    bias: tf.tidy(() => tf.variable(tf.zeros([numLabels]), true)),
  };
  const variables = [
    ...bert.variables.filter((v) => isEncoderWeight(v.name)),
    { name: HEAD_KERNEL, variable: head.kernel },
    { name: HEAD_BIAS, variable: head.bias },
  ];
  return { bert, head, numLabels, variables };
}

export function disposeClassifierModel(model: ClassifierModel): void {
  disposeBertModel(model.bert);
  tf.dispose([model.head.kernel, model.head.bias]);
}

/**
 * The classifier seen as a BertModel whose variables are the trained ones, for nlp/bert/state.ts: its
 * export/import of weights, AdamW moments and config checks then cover exactly what fine-tuning changes.
 */
export function trainedView(model: ClassifierModel): BertModel {
  return { config: model.bert.config, params: model.bert.params, variables: model.variables };
}

// → logits [batch, numLabels]; dropout on the pooled vector as BERT's classifier does
export function classifierLogits(model: ClassifierModel, inputs: EncoderInputs, dropout: Dropout): tf.Tensor2D {
  const { pooled } = runEncoder(model.bert, inputs, dropout); // [batch, hidden]
  return dense(dropout.apply(pooled, model.bert.config.hidden_dropout), model.head);
}

/** Current values of the trained weights (copies), e.g. the best-so-far weights of early stopping. */
export function snapshotWeights(model: ClassifierModel): Map<string, Float32Array> {
  return new Map(model.variables.map(({ name, variable }) => [name, new Float32Array(variable.dataSync() as Float32Array)]));
}

/** Writes weights from snapshotWeights (or a saved file) back; every trained weight must be there with its size. */
export function restoreWeights(model: ClassifierModel, weights: ReadonlyMap<string, Float32Array>): void {
  for (const { name, variable } of model.variables) {
    const values = weights.get(name);
    if (!values || values.length !== variable.size) {
      throw new RangeError(`weights lack '${name}' of shape [${variable.shape}]${values ? ` (got ${values.length} values)` : ''}`);
    }
  }
  for (const { name, variable } of model.variables) {
    tf.tidy(() => variable.assign(tf.tensor(weights.get(name)!, variable.shape, 'float32')));
  }
}
