// A trained BERT as a directory, everything fine-tuning and serving need and nothing of the training state:
//
//   config.json      {"format": "kiln/bert-model@1", "bert": BertConfig, "kiln": {how it was made: step type,
//                    steps, seed, backend, digests of the data and tokenizer artifacts}}
//   weights.bin      the weights as a tensor file (nlp/bert/tensor-file.ts), named as in nlp/bert/params.ts,
//                    e.g. `encoder/layer_0/attention/query/kernel`; float32, little-endian
//   vocab.txt        the tokenizer it was trained with, copied from the tokenizer artifact
//   tokenizer.json   (load both with nlp/tokenizer/tokenizer.ts loadTokenizer(dir))
//   model-card.json  {"steps", "seed", "backend", "metrics": {"train": last train line, "validation": final
//                    validation pass}, "lineage"}: what a registry or a README shows
//
// config.json may also say, for a model imported from elsewhere (nlp/hf/import.ts):
//   "pooling": {"mode": "cls"|"mean", "normalize": bool}   its sentence embedding (default: [CLS], not normalised)
//   "max_seq_length": N                                      the longest input it was trained for (default: 512 or
//                                                            max_position_embeddings, whichever is less)
//   "absent": ["mlm", "nsp", "pooler"]                       heads the weights lack: the masked-LM head
//                                                            (cls/predictions/...), next-sentence (cls/seq_relationship/...)
//                                                            and the pooler (pooler/dense/...); loaded seeded-random
//
// No timestamps: the same training on the same backend gives the same bytes, hence the same artifact digest.
import fs from 'node:fs/promises';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';

import type { Json } from '../../contract/json';
import { checkSavedBertConfig, type BertConfig } from './config';
import { createBertModel, disposeBertModel, type BertModel } from './model';
import { checkPooling, CLS_POOLING, type Pooling } from './pooling';
import { deserializeTensors, serializeTensors, type TensorData } from './tensor-file';

export const SAVED_MODEL_FORMAT = 'kiln/bert-model@1';
export const TOKENIZER_FILES = ['vocab.txt', 'tokenizer.json'] as const;

export interface ModelCard {
  [key: string]: Json;
  steps: number;
  seed: number;
  backend: string;
  metrics: { train: Json; validation: Json };
  lineage: { [key: string]: Json };
}

/** The parts of a BERT a model may lack (an encoder published without its pretraining heads). */
export const HEADS = ['mlm', 'nsp', 'pooler'] as const;
export type Head = (typeof HEADS)[number];

const HEAD_PREFIXES: Record<Head, string> = { mlm: 'cls/predictions/', nsp: 'cls/seq_relationship/', pooler: 'pooler/' };

/** Which head a weight belongs to, if any. */
export function headOf(name: string): Head | undefined {
  return HEADS.find((head) => name.startsWith(HEAD_PREFIXES[head]));
}

/** The longest input a saved model takes when its config.json does not say: BERT's 512, or fewer positions. */
export function defaultMaxSeqLength(config: BertConfig): number {
  return Math.min(config.max_position_embeddings, 512);
}

export interface SavedModel {
  dir: string;
  config: BertConfig;
  pooling: Pooling;
  maxSeqLength: number;
  /** Heads weights.bin lacks; their weights are seeded-random placeholders once loaded. */
  absent: Head[];
  /** How the model was made (step type, data and tokenizer digests...). */
  kiln: { [key: string]: Json };
  card: ModelCard;
  weights: Map<string, TensorData>;
}

/** A model directory that cannot be loaded; the message names the file. */
export class SavedModelError extends Error {
  constructor(
    message: string,
    readonly hint = 'a model directory is what bert/pretrain@v1 writes (config.json, weights.bin, vocab.txt, tokenizer.json)',
  ) {
    super(message);
    this.name = 'SavedModelError';
  }
}

export interface SaveModelOptions {
  tokenizerDir: string;
  kiln: { [key: string]: Json };
  card: ModelCard;
  /** Written only when given (a model kiln pretrained has BERT's defaults). */
  pooling?: Pooling;
  maxSeqLength?: number;
  absent?: Head[];
}

export async function saveBertModel(dir: string, model: BertModel, options: SaveModelOptions): Promise<void> {
  const weights = new Map<string, TensorData>();
  for (const { name, variable } of model.variables) {
    weights.set(name, { values: new Float32Array(variable.dataSync() as Float32Array), shape: [...variable.shape] });
  }
  await writeSavedModel(dir, model.config, weights, options);
}

/** Writes a model directory from weights already in memory, in checkpoint order (nlp/bert/params.ts). */
export async function writeSavedModel(dir: string, bert: BertConfig, weights: ReadonlyMap<string, TensorData>, options: SaveModelOptions): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'weights.bin'), serializeTensors(weights));
  const config = {
    format: SAVED_MODEL_FORMAT,
    bert: { ...bert },
    ...(options.pooling ? { pooling: options.pooling } : {}),
    ...(options.maxSeqLength !== undefined ? { max_seq_length: options.maxSeqLength } : {}),
    ...(options.absent?.length ? { absent: options.absent } : {}),
    kiln: options.kiln,
  };
  await fs.writeFile(path.join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  for (const file of TOKENIZER_FILES) await fs.copyFile(path.join(options.tokenizerDir, file), path.join(dir, file));
  await fs.writeFile(path.join(dir, 'model-card.json'), JSON.stringify(options.card, null, 2) + '\n');
}

async function readJson(file: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new SavedModelError(`${file}: ${(error as Error).message}`);
  }
}

/** Reads and checks a model directory (config, weights' names and shapes); builds no tensors. */
export async function loadSavedModel(dir: string): Promise<SavedModel> {
  const configFile = path.join(dir, 'config.json');
  const json = await readJson(configFile);
  if (json.format !== SAVED_MODEL_FORMAT) {
    throw new SavedModelError(`${configFile}: format is ${JSON.stringify(json.format)}, expected '${SAVED_MODEL_FORMAT}'`);
  }
  let config: BertConfig;
  try {
    config = checkSavedBertConfig(json.bert);
  } catch (error) {
    throw new SavedModelError(`${configFile}: ${(error as Error).message}`);
  }
  const weightsFile = path.join(dir, 'weights.bin');
  let weights: Map<string, TensorData>;
  try {
    weights = deserializeTensors(await fs.readFile(weightsFile));
  } catch (error) {
    throw new SavedModelError(`${weightsFile}: ${(error as Error).message}`);
  }
  const card = (await readJson(path.join(dir, 'model-card.json'))) as ModelCard;
  return { dir, config, ...encoderSettings(json, config, configFile), kiln: (json.kiln ?? {}) as SavedModel['kiln'], card, weights };
}

/** config.json's optional pooling, max_seq_length and absent, checked. */
function encoderSettings(json: Record<string, unknown>, config: BertConfig, configFile: string): Pick<SavedModel, 'pooling' | 'maxSeqLength' | 'absent'> {
  let pooling = CLS_POOLING;
  if (json.pooling !== undefined) {
    const checked = checkPooling(json.pooling);
    if (typeof checked === 'string') throw new SavedModelError(`${configFile}: ${checked}`);
    pooling = checked;
  }
  const maxSeqLength = json.max_seq_length ?? defaultMaxSeqLength(config);
  if (!Number.isSafeInteger(maxSeqLength) || (maxSeqLength as number) < 3 || (maxSeqLength as number) > config.max_position_embeddings) {
    throw new SavedModelError(`${configFile}: max_seq_length must be an integer from 3 to max_position_embeddings ${config.max_position_embeddings} (got ${JSON.stringify(json.max_seq_length)})`);
  }
  const absent = json.absent ?? [];
  if (!Array.isArray(absent) || !absent.every((head) => (HEADS as readonly unknown[]).includes(head))) {
    throw new SavedModelError(`${configFile}: absent must list some of ${HEADS.join(', ')} (got ${JSON.stringify(json.absent)})`);
  }
  return { pooling, maxSeqLength: maxSeqLength as number, absent: absent as Head[] };
}

/**
 * A BertModel holding the saved weights; every weight of the config must be there with its shape, except those of
 * the heads config.json declares absent, which keep their seeded initial values.
 */
export function bertModelFromSaved(saved: SavedModel): BertModel {
  const model = createBertModel(saved.config, 0);
  try {
    const names = new Set(model.variables.map((v) => v.name));
    const extra = [...saved.weights.keys()].find((n) => !names.has(n));
    if (extra !== undefined) throw new SavedModelError(`${saved.dir}/weights.bin has '${extra}', which this model config lacks`);
    const absent = new Set<string>(saved.absent);
    for (const { name, variable } of model.variables) {
      const t = saved.weights.get(name);
      const head = headOf(name);
      if (!t && head && absent.has(head)) continue;
      if (!t || !tf.util.arraysEqual(t.shape, variable.shape)) {
        throw new SavedModelError(`${saved.dir}/weights.bin: '${name}' is ${t ? `[${t.shape}]` : 'missing'}, the config needs [${variable.shape}]`);
      }
      tf.tidy(() => variable.assign(tf.tensor(t.values, t.shape, 'float32')));
    }
    return model;
  } catch (error) {
    disposeBertModel(model);
    throw error;
  }
}
