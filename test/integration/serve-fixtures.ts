// Models for the serving tests: a real tiny pretrained encoder (fill-mask runs the actual BERT code) and a fake
// classifier directory with a loader that records its forward passes.
import fs from 'node:fs/promises';
import path from 'node:path';

import { expect } from 'vitest';

import { stepDefaults } from '../../compiler/step-inputs';
import { bertConfig } from '../../nlp/bert/config';
import { createBertModel, disposeBertModel } from '../../nlp/bert/model';
import { saveBertModel } from '../../nlp/bert/saved-model';
import { loadClassifier } from '../../nlp/finetune/classifier';
import { createClassifierModel, disposeClassifierModel } from '../../nlp/finetune/model';
import { saveClassifier } from '../../nlp/finetune/saved-classifier';
import { loadEncoder } from '../../serve/fill-mask';
import type { LoadModel, Prediction, ServedModel } from '../../serve/types';

const FIXTURES = new URL('../fixtures/tokenizer/', import.meta.url);
const TOKENIZER_SETTINGS = {
  lowercase: true,
  strip_accents: null,
  handle_chinese_chars: true,
  clean_text: true,
  vocab_size: 23,
  special_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'],
  max_input_chars_per_word: 100,
};

const TINY_BERT = bertConfig({ ...stepDefaults('bert/pretrain@v1').model, hidden_size: 16, num_layers: 1, num_heads: 2, intermediate_size: 32, max_position_embeddings: 32 }, 23);

/** The 23-token test vocab as a tokenizer directory beside `dir`; the caller removes it. */
async function tinyTokenizer(dir: string): Promise<string> {
  const tokDir = `${dir}.tok`;
  await fs.mkdir(tokDir, { recursive: true });
  await fs.copyFile(new URL('tiny-vocab.txt', FIXTURES), path.join(tokDir, 'vocab.txt'));
  await fs.writeFile(path.join(tokDir, 'tokenizer.json'), JSON.stringify(TOKENIZER_SETTINGS));
  return tokDir;
}

/** A `kiln/bert-model@1` directory: a randomly initialised 1-layer BERT over the 23-token test vocab. */
export async function writeTinyEncoder(dir: string, seed: number): Promise<string> {
  const tokDir = await tinyTokenizer(dir);
  const model = createBertModel(TINY_BERT, seed);
  const card = { steps: 0, seed, backend: 'cpu', metrics: { train: { loss: 3.1 }, validation: null }, lineage: {} };
  await saveBertModel(dir, model, { tokenizerDir: tokDir, kiln: { type: 'bert/pretrain@v1', seed }, card });
  disposeBertModel(model);
  await fs.rm(tokDir, { recursive: true, force: true });
  return dir;
}

/** A real `kiln/bert-classifier@1` directory (nlp/finetune's format), randomly initialised. */
export async function writeTinyClassifier(dir: string, seed: number, labels = ['negative', 'neutral', 'positive']): Promise<string> {
  const tokDir = await tinyTokenizer(dir);
  const labelsFile = path.join(tokDir, 'labels.json');
  await fs.writeFile(labelsFile, JSON.stringify({ names: labels, counts: Object.fromEntries(labels.map((l) => [l, 1])) }));
  const model = createClassifierModel(createBertModel(TINY_BERT, seed), labels.length, seed);
  const classifier = { num_labels: labels.length, labels, max_seq_length: 16, name: 'tiny' };
  const card = { steps: 0, epochs: 0, seed, backend: 'cpu', metrics: { validation: { accuracy: 0.5 } }, lineage: {} };
  await saveClassifier(dir, model, { tokenizerDir: tokDir, labelsFile, classifier, kiln: { type: 'bert/finetune@v1', seed }, card });
  disposeClassifierModel(model);
  await fs.rm(tokDir, { recursive: true, force: true });
  return dir;
}

/** A directory that looks like a classifier to the registry and the deploy step; `tag` tells versions apart. */
export async function writeFakeClassifier(dir: string, tag: string, labels = ['negative', 'positive']): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'config.json'), JSON.stringify({ format: 'kiln/bert-classifier@1', tag }));
  await fs.writeFile(path.join(dir, 'labels.json'), JSON.stringify({ names: labels }));
  await fs.writeFile(path.join(dir, 'model-card.json'), JSON.stringify({ metrics: { accuracy: 0.75 } }));
  await fs.writeFile(path.join(dir, 'weights.bin'), tag);
  return dir;
}

export interface FakeLoaderStats {
  loads: string[];
  /** Texts per forward pass, in order. */
  passes: number[];
}

/**
 * Encoders and real classifiers (writeTinyClassifier) load for real; fake "classifiers" predict `positive` for texts containing "good", else `negative`
 * (0.9/0.1). A weights.bin reading "broken" fails the load, "crash" fails every forward pass.
 */
export function fakeLoader(stats: FakeLoaderStats = { loads: [], passes: [] }): LoadModel {
  return async (dir, kind): Promise<ServedModel> => {
    stats.loads.push(dir);
    if (kind === 'encoder') return loadEncoder(dir);
    const config = JSON.parse(await fs.readFile(path.join(dir, 'config.json'), 'utf8')) as { bert?: unknown };
    if (config.bert !== undefined) {
      const real = await loadClassifier(dir);
      return { kind, labels: real.labels, predict: (texts, pairs) => real.predict(texts, pairs), dispose: () => real.dispose() };
    }
    const tag = await fs.readFile(path.join(dir, 'weights.bin'), 'utf8');
    if (tag === 'broken') throw new Error(`${dir}/weights.bin: tensor file: truncated`);
    const labels = (JSON.parse(await fs.readFile(path.join(dir, 'labels.json'), 'utf8')) as { names: string[] }).names;
    return {
      kind: 'classifier',
      labels,
      predict: async (texts): Promise<Prediction[]> => {
        stats.passes.push(texts.length);
        await new Promise((r) => setTimeout(r, 5)); // a forward pass takes time: requests arriving meanwhile queue up
        if (tag === 'crash') throw new Error('forward pass failed: out of memory');
        return texts.map((t) => {
          const label = t.includes('good') ? labels[1]! : labels[0]!;
          return { label, probabilities: Object.fromEntries(labels.map((l) => [l, l === label ? 0.9 : 0.1 / (labels.length - 1)])) };
        });
      },
      dispose: () => undefined,
    };
  };
}

export interface Reply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** A request to a route of the server at `baseUrl`; every answer must be JSON, errors included. */
export async function callJson(baseUrl: string, method: string, route: string, body?: unknown): Promise<Reply> {
  const res = await fetch(`${baseUrl}${route}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return { status: res.status, body: await res.json() };
}
