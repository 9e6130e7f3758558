// A fine-tuned classifier as a directory, everything serving needs and nothing of the training state:
//
//   config.json      {"format": "kiln/bert-classifier@1", "bert": BertConfig,
//                    "classifier": {"num_labels", "labels": [name of id 0, ...], "max_seq_length", "name"},
//                    "kiln": {how it was made: step type, steps, seed, digests of its inputs},
//                    "pooling"?: the sentence embedding of the encoder it was fine-tuned from (nlp/bert/pooling.ts)}
//   weights.bin      a tensor file (nlp/bert/tensor-file.ts): the encoder's weights named as in nlp/bert/params.ts
//                    (no pretraining heads), plus `classifier/kernel` [hidden, num_labels] and `classifier/bias`
//   vocab.txt        the tokenizer (load both with nlp/tokenizer/tokenizer.ts loadTokenizer(dir))
//   tokenizer.json
//   labels.json      {"names", "counts"} as dataset/load@v1 wrote it
//   model-card.json  {"steps", "epochs", "seed", "backend", "metrics": {"validation": best pass, "train": last line}, "lineage"}
//
// No timestamps: the same fine-tuning on the same backend gives the same bytes, hence the same artifact digest.
import fs from 'node:fs/promises';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';

import type { Json } from '../../contract/json';
import { checkSavedBertConfig, type BertConfig } from '../bert/config';
import { createBertModel } from '../bert/model';
import { checkPooling, CLS_POOLING, type Pooling } from '../bert/pooling';
import { TOKENIZER_FILES } from '../bert/saved-model';
import { deserializeTensors, serializeTensors, type TensorData } from '../bert/tensor-file';
import { createClassifierModel, disposeClassifierModel, type ClassifierModel } from './model';

export const CLASSIFIER_FORMAT = 'kiln/bert-classifier@1';
export const LABELS_FILE = 'labels.json';

export interface ClassifierInfo {
  [key: string]: Json;
  num_labels: number;
  labels: string[];
  max_seq_length: number;
  /** A display name (the pipeline and step that trained it). */
  name: string;
}

export interface SavedClassifier {
  dir: string;
  config: BertConfig;
  classifier: ClassifierInfo;
  /** Its sentence embedding (serving's embed): the base encoder's, else [CLS]. */
  pooling: Pooling;
  kiln: { [key: string]: Json };
  card: { [key: string]: Json };
  weights: Map<string, TensorData>;
}

const HINT = 'a classifier directory is what bert/finetune@v1 writes (config.json, weights.bin, vocab.txt, tokenizer.json, labels.json)';

/** A classifier directory that cannot be loaded: `file` is the file at fault, `hint` how to fix it. */
export class ClassifierLoadError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly hint: string = HINT,
  ) {
    super(`${file}: ${message}`);
    this.name = 'ClassifierLoadError';
  }
}

export interface SaveClassifierOptions {
  tokenizerDir: string;
  labelsFile: string;
  classifier: ClassifierInfo;
  /** The base encoder's, when it declares one. */
  pooling?: Pooling;
  kiln: { [key: string]: Json };
  card: { [key: string]: Json };
}

export async function saveClassifier(dir: string, model: ClassifierModel, options: SaveClassifierOptions): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const weights = new Map<string, TensorData>();
  for (const { name, variable } of model.variables) {
    weights.set(name, { values: new Float32Array(variable.dataSync() as Float32Array), shape: [...variable.shape] });
  }
  await fs.writeFile(path.join(dir, 'weights.bin'), serializeTensors(weights));
  const config = {
    format: CLASSIFIER_FORMAT,
    bert: { ...model.bert.config },
    classifier: options.classifier,
    ...(options.pooling ? { pooling: options.pooling } : {}),
    kiln: options.kiln,
  };
  await fs.writeFile(path.join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  for (const file of TOKENIZER_FILES) await fs.copyFile(path.join(options.tokenizerDir, file), path.join(dir, file));
  await fs.copyFile(options.labelsFile, path.join(dir, LABELS_FILE));
  await fs.writeFile(path.join(dir, 'model-card.json'), JSON.stringify(options.card, null, 2) + '\n');
}

async function readJson(file: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new ClassifierLoadError((error as Error).message, file);
  }
}

function checkInfo(raw: unknown, file: string): ClassifierInfo {
  const c = raw as Partial<ClassifierInfo> | undefined;
  const labels = c?.labels;
  const ok =
    Array.isArray(labels) &&
    labels.every((l) => typeof l === 'string') &&
    new Set(labels).size === labels.length &&
    c?.num_labels === labels.length &&
    labels.length >= 2 &&
    Number.isSafeInteger(c?.max_seq_length) &&
    (c?.max_seq_length ?? 0) >= 3;
  if (!ok) {
    throw new ClassifierLoadError(
      `"classifier" must be {num_labels, labels: [distinct names, one per id], max_seq_length} (got ${JSON.stringify(raw)})`,
      file,
    );
  }
  return { num_labels: c!.num_labels!, labels: [...labels!], max_seq_length: c!.max_seq_length!, name: typeof c!.name === 'string' ? c!.name : '' };
}

/** Reads and checks config.json and weights.bin; builds no tensors. */
export async function loadSavedClassifier(dir: string): Promise<SavedClassifier> {
  const configFile = path.join(dir, 'config.json');
  const json = await readJson(configFile);
  if (json.format !== CLASSIFIER_FORMAT) {
    const hint = json.format === 'kiln/bert-model@1' ? 'this is a pretrained encoder (bert/pretrain@v1); fine-tune it with bert/finetune@v1 first' : HINT;
    throw new ClassifierLoadError(`format is ${JSON.stringify(json.format)}, expected '${CLASSIFIER_FORMAT}'`, configFile, hint);
  }
  let config: BertConfig;
  try {
    config = checkSavedBertConfig(json.bert);
  } catch (error) {
    throw new ClassifierLoadError((error as Error).message, configFile);
  }
  const classifier = checkInfo(json.classifier, configFile);
  if (classifier.max_seq_length > config.max_position_embeddings) {
    throw new ClassifierLoadError(`max_seq_length ${classifier.max_seq_length} exceeds max_position_embeddings ${config.max_position_embeddings}`, configFile);
  }
  const weightsFile = path.join(dir, 'weights.bin');
  let weights: Map<string, TensorData>;
  try {
    weights = deserializeTensors(await fs.readFile(weightsFile));
  } catch (error) {
    throw new ClassifierLoadError((error as Error).message, weightsFile, 'the file is damaged; fetch or train the model again');
  }
  let pooling = CLS_POOLING;
  if (json.pooling !== undefined) {
    const checked = checkPooling(json.pooling);
    if (typeof checked === 'string') throw new ClassifierLoadError(checked, configFile);
    pooling = checked;
  }
  const card = await readJson(path.join(dir, 'model-card.json'));
  return { dir, config, classifier, pooling, kiln: (json.kiln ?? {}) as SavedClassifier['kiln'], card: card as SavedClassifier['card'], weights };
}

/** A ClassifierModel holding the saved weights; every trained weight must be there with its shape, and no other. */
export function classifierFromSaved(saved: SavedClassifier): ClassifierModel {
  const model = createClassifierModel(createBertModel(saved.config, 0), saved.classifier.num_labels, 0);
  const file = path.join(saved.dir, 'weights.bin');
  try {
    const names = new Set(model.variables.map((v) => v.name));
    const extra = [...saved.weights.keys()].find((n) => !names.has(n));
    if (extra !== undefined) throw new ClassifierLoadError(`has '${extra}', which a classifier of this config lacks`, file);
    for (const { name, variable } of model.variables) {
      const t = saved.weights.get(name);
      if (!t || !tf.util.arraysEqual(t.shape, variable.shape) || !(t.values instanceof Float32Array)) {
        throw new ClassifierLoadError(`'${name}' is ${t ? `[${t.shape}] ${t.values.constructor.name}` : 'missing'}, the config needs float32 [${variable.shape}]`, file);
      }
      tf.tidy(() => variable.assign(tf.tensor(t.values, t.shape, 'float32')));
    }
    return model;
  } catch (error) {
    disposeClassifierModel(model);
    throw error;
  }
}
