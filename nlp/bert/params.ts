// BERT's weights as plain named variables, created in one fixed order. Each weight is initialised
// from its own RNG stream keyed by (seed, name), so a seed always yields bit-identical weights.
import * as tf from '@tensorflow/tfjs-core';

import type { BertConfig } from './config';
import { CounterRng } from './rng';

export interface NamedVariable {
  /** Checkpoint name, e.g. `encoder/layer_0/attention/query/kernel`. */
  readonly name: string;
  readonly variable: tf.Variable;
}

export interface DenseParams {
  kernel: tf.Variable; // [in, out]
  bias: tf.Variable; // [out]
}

export interface LayerNormParams {
  gamma: tf.Variable; // [n]
  beta: tf.Variable; // [n]
}

export interface EmbeddingParams {
  word: tf.Variable; // [vocab, hidden]; also the MLM output matrix (tied)
  position: tf.Variable; // [max_position, hidden]
  tokenType: tf.Variable; // [type_vocab, hidden]
  layerNorm: LayerNormParams;
}

export interface AttentionParams {
  query: DenseParams;
  key: DenseParams;
  value: DenseParams;
  output: DenseParams;
  layerNorm: LayerNormParams;
}

export interface EncoderLayerParams {
  attention: AttentionParams;
  intermediate: DenseParams; // hidden → intermediate
  output: DenseParams; // intermediate → hidden
  layerNorm: LayerNormParams;
}

export interface MlmHeadParams {
  transform: DenseParams;
  layerNorm: LayerNormParams;
  outputBias: tf.Variable; // [vocab]
}

export interface BertParams {
  embeddings: EmbeddingParams;
  layers: EncoderLayerParams[];
  pooler: DenseParams;
  mlm: MlmHeadParams;
  nsp: DenseParams; // hidden → 2
}

class ParamFactory {
  readonly variables: NamedVariable[] = [];

  constructor(
    private readonly seed: number,
    private readonly std: number,
  ) {}

  private add(name: string, shape: number[], values: Float32Array): tf.Variable {
    const initial = tf.tensor(values, shape, 'float32');
    // Unnamed: tf.Variable names are process-global, and tests hold several models at once.
    const variable = tf.variable(initial, true);
    initial.dispose();
    this.variables.push({ name, variable });
    return variable;
  }

  normal(name: string, shape: number[]): tf.Variable {
    const values = new Float32Array(tf.util.sizeFromShape(shape));
    CounterRng.fromSeed(this.seed, `init/${name}`).fillTruncatedNormal(values, this.std);
    return this.add(name, shape, values);
  }

  constant(name: string, shape: number[], value: number): tf.Variable {
    return this.add(name, shape, new Float32Array(tf.util.sizeFromShape(shape)).fill(value));
  }

  dense(prefix: string, inSize: number, outSize: number): DenseParams {
    return { kernel: this.normal(`${prefix}/kernel`, [inSize, outSize]), bias: this.constant(`${prefix}/bias`, [outSize], 0) };
  }

  layerNorm(prefix: string, size: number): LayerNormParams {
    return { gamma: this.constant(`${prefix}/gamma`, [size], 1), beta: this.constant(`${prefix}/beta`, [size], 0) };
  }
}

/** Creates every weight of `config`; `variables` lists them in checkpoint order. */
export function createBertParams(config: BertConfig, seed: number): { params: BertParams; variables: NamedVariable[] } {
  const f = new ParamFactory(seed, config.initializer_range);
  const h = config.hidden_size;
  const embeddings: EmbeddingParams = {
    word: f.normal('embeddings/word_embeddings', [config.vocab_size, h]),
    position: f.normal('embeddings/position_embeddings', [config.max_position_embeddings, h]),
    tokenType: f.normal('embeddings/token_type_embeddings', [config.type_vocab_size, h]),
    layerNorm: f.layerNorm('embeddings/layer_norm', h),
  };
  const layers: EncoderLayerParams[] = [];
  for (let i = 0; i < config.num_layers; i++) {
    const p = `encoder/layer_${i}`;
    layers.push({
      attention: {
        query: f.dense(`${p}/attention/query`, h, h),
        key: f.dense(`${p}/attention/key`, h, h),
        value: f.dense(`${p}/attention/value`, h, h),
        output: f.dense(`${p}/attention/output`, h, h),
        layerNorm: f.layerNorm(`${p}/attention/layer_norm`, h),
      },
      intermediate: f.dense(`${p}/intermediate`, h, config.intermediate_size),
      output: f.dense(`${p}/output`, config.intermediate_size, h),
      layerNorm: f.layerNorm(`${p}/output/layer_norm`, h),
    });
  }
  const pooler = f.dense('pooler/dense', h, h);
  const mlm: MlmHeadParams = {
    transform: f.dense('cls/predictions/transform/dense', h, h),
    layerNorm: f.layerNorm('cls/predictions/transform/layer_norm', h),
    outputBias: f.constant('cls/predictions/output_bias', [config.vocab_size], 0),
  };
  const nsp = f.dense('cls/seq_relationship', h, 2);
  return { params: { embeddings, layers, pooler, mlm, nsp }, variables: f.variables };
}

/** Every weight's name and shape, in checkpoint order, without creating a tensor (importing a model checks against it). */
export function bertWeightLayout(config: BertConfig): Array<{ name: string; shape: number[] }> {
  const h = config.hidden_size;
  const layout: Array<{ name: string; shape: number[] }> = [];
  const add = (name: string, shape: number[]) => void layout.push({ name, shape });
  const dense = (prefix: string, inSize: number, outSize: number) => {
    add(`${prefix}/kernel`, [inSize, outSize]);
    add(`${prefix}/bias`, [outSize]);
  };
  const layerNorm = (prefix: string) => {
    add(`${prefix}/gamma`, [h]);
    add(`${prefix}/beta`, [h]);
  };
  add('embeddings/word_embeddings', [config.vocab_size, h]);
  add('embeddings/position_embeddings', [config.max_position_embeddings, h]);
  add('embeddings/token_type_embeddings', [config.type_vocab_size, h]);
  layerNorm('embeddings/layer_norm');
  for (let i = 0; i < config.num_layers; i++) {
    const p = `encoder/layer_${i}`;
    for (const part of ['query', 'key', 'value', 'output']) dense(`${p}/attention/${part}`, h, h);
    layerNorm(`${p}/attention/layer_norm`);
    dense(`${p}/intermediate`, h, config.intermediate_size);
    dense(`${p}/output`, config.intermediate_size, h);
    layerNorm(`${p}/output/layer_norm`);
  }
  dense('pooler/dense', h, h);
  dense('cls/predictions/transform/dense', h, h);
  layerNorm('cls/predictions/transform/layer_norm');
  add('cls/predictions/output_bias', [config.vocab_size]);
  dense('cls/seq_relationship', h, 2);
  return layout;
}
