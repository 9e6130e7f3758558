// The inference API serving builds on: load a bert/finetune@v1 directory, predict labels for texts (or text pairs)
// or embed texts (its encoder's sentence embedding), in one forward pass per call, padded to the longest text of the
// call, without dropout.
import path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';

import { initBackend, type BackendChoice } from '../backend';
import type { Pooling } from '../bert/pooling';
import { embedTexts } from '../bert/sentence-embedding';
import { TokenizerFileError } from '../tokenizer/errors';
import { loadTokenizer, type BertTokenizer } from '../tokenizer/tokenizer';
import { collate } from './batch';
import { encodeText } from './examples';
import { disposeClassifierModel, type ClassifierModel } from './model';
import { ClassifierLoadError, classifierFromSaved, loadSavedClassifier, type SavedClassifier } from './saved-classifier';
import { predictLogProbabilities } from './step';

export { ClassifierLoadError };

export interface Prediction {
  label: string;
  /** Every label's probability (softmax), summing to 1. */
  probabilities: Record<string, number>;
}

export interface Classifier {
  name: string;
  /** Label names in id order. */
  labels: string[];
  /** Longer texts (pairs: together) are truncated to this many tokens, [CLS] and [SEP] included. */
  maxSeqLength: number;
  /** How `embed` pools the encoder's hidden states (the base encoder's, else [CLS]). */
  pooling: Pooling;
  /** Numbers per embedding: the encoder's hidden size. */
  dimensions: number;
  /** One prediction per text; `pairs[i]` is the second text of example i (both lengths must match). */
  predict(texts: string[], pairs?: string[]): Promise<Prediction[]>;
  /** One sentence embedding per text, from the fine-tuned encoder (truncated to `maxSeqLength` tokens). */
  embed(texts: string[]): Promise<number[][]>;
  /** Frees the weights; predict and embed throw afterwards. */
  dispose(): void;
}

export interface LoadClassifierOptions {
  /** Initialise this TF.js backend first; by default the active one is used, or `auto` when none is active yet. */
  backend?: BackendChoice;
}

export interface OpenedClassifier {
  saved: SavedClassifier;
  model: ClassifierModel;
  tokenizer: BertTokenizer;
}

/** The model and tokenizer of a classifier directory (the caller disposes the model); for batch evaluation too. */
export async function openClassifier(dir: string): Promise<OpenedClassifier> {
  const saved = await loadSavedClassifier(dir);
  let tokenizer: BertTokenizer;
  try {
    tokenizer = await loadTokenizer(dir);
  } catch (error) {
    if (error instanceof TokenizerFileError) throw new ClassifierLoadError(error.message, error.file ?? path.join(dir, 'tokenizer.json'), error.hint);
    throw error;
  }
  if (tokenizer.vocab.size !== saved.config.vocab_size) {
    throw new ClassifierLoadError(
      `vocab.txt has ${tokenizer.vocab.size} tokens but config.json's vocab_size is ${saved.config.vocab_size}`,
      path.join(dir, 'vocab.txt'),
      'the directory mixes files of different models; copy it again from the store',
    );
  }
  return { saved, model: classifierFromSaved(saved), tokenizer };
}

/** Loads a classifier directory. Throws ClassifierLoadError naming the file at fault, with a hint. */
export async function loadClassifier(dir: string, options: LoadClassifierOptions = {}): Promise<Classifier> {
  if (options.backend) await initBackend(options.backend);
  else if (!tf.engine().backendName) await initBackend('auto');
  const { saved, model, tokenizer } = await openClassifier(dir);
  const { labels, max_seq_length: maxSeqLength } = saved.classifier;
  return new LoadedClassifier(saved.classifier.name || path.basename(dir), labels, maxSeqLength, saved.pooling, model, tokenizer);
}

class LoadedClassifier implements Classifier {
  private model: ClassifierModel | null;
  readonly dimensions: number;

  constructor(
    readonly name: string,
    readonly labels: string[],
    readonly maxSeqLength: number,
    readonly pooling: Pooling,
    model: ClassifierModel,
    private readonly tokenizer: BertTokenizer,
  ) {
    this.model = model;
    this.dimensions = model.bert.config.hidden_size;
  }

  async predict(texts: string[], pairs?: string[]): Promise<Prediction[]> {
    const model = this.live();
    if (!Array.isArray(texts) || texts.some((t) => typeof t !== 'string')) throw new TypeError('predict: texts must be an array of strings');
    if (pairs !== undefined && (!Array.isArray(pairs) || pairs.length !== texts.length || pairs.some((t) => typeof t !== 'string'))) {
      throw new TypeError(`predict: pairs must be an array of ${texts.length} strings, one per text`);
    }
    if (texts.length === 0) return [];
    const examples = texts.map((text, i) => ({ ...encodeText(this.tokenizer, this.maxSeqLength, text, pairs?.[i]), label: -1 }));
    const logProbs = predictLogProbabilities(model, collate(examples, this.tokenizer.specialIds.pad)); // [texts*labels]
    const k = this.labels.length;
    return texts.map((_, r) => {
      const probabilities: Record<string, number> = {};
      let best = 0;
      for (let c = 0; c < k; c++) {
        probabilities[this.labels[c]!] = Math.exp(logProbs[r * k + c]!);
        if (logProbs[r * k + c]! > logProbs[r * k + best]!) best = c;
      }
      return { label: this.labels[best]!, probabilities };
    });
  }

  async embed(texts: string[]): Promise<number[][]> {
    const model = this.live();
    if (!Array.isArray(texts) || texts.some((t) => typeof t !== 'string')) throw new TypeError('embed: texts must be an array of strings');
    return embedTexts(model.bert, this.tokenizer, this.pooling, this.maxSeqLength, texts);
  }

  private live(): ClassifierModel {
    if (!this.model) throw new Error(`classifier '${this.name}' was disposed`);
    return this.model;
  }

  dispose(): void {
    if (this.model) disposeClassifierModel(this.model);
    this.model = null;
  }
}
