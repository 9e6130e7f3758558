// What a model directory says about itself, for model/deploy@v1: checked against the kind of its artifact, and the
// metrics, lineage and labels the registry records with a version.
import fs from 'node:fs/promises';
import path from 'node:path';

import type { Json } from '../contract/json';
import type { Action } from '../serve/types';
import type { ModelKind } from '../store/registry-types';
import type { ArtifactRef } from '../store/types';
import { invalidInput } from './failures';

/** Artifact kind → registry kind, and the config.json format each must have (model/deploy@v1's schema allows these two). */
const KINDS: Record<string, { kind: ModelKind; format: string }> = {
  classifier: { kind: 'classifier', format: 'kiln/bert-classifier@1' },
  model: { kind: 'encoder', format: 'kiln/bert-model@1' },
};

/** The registry kind of a model artifact. */
export function modelKind(model: ArtifactRef): ModelKind {
  const known = KINDS[model.kind];
  if (!known) throw invalidInput(`${model.uri} is a "${model.kind}" artifact; only "classifier" and "model" artifacts are deployed`);
  return known.kind;
}

async function readJsonFile(file: string): Promise<unknown> {
  return JSON.parse(await fs.readFile(file, 'utf8')) as unknown;
}

export interface ModelFiles {
  /** config.json's `kiln` block: how the model was made. */
  origin: Json;
  /** model-card.json's metrics, null when absent. */
  metrics: Json;
  /** A classifier's labels (labels.json), when readable. */
  labels?: string[];
  /** What the smoke test asks: predict (classifiers), fill-mask (encoders), embed (encoders without a masked-LM head). */
  action: Action;
}

/** Checks that the directory is the kind of model its artifact says, and reads what the registry records. */
export async function readModelFiles(dir: string, model: ArtifactRef): Promise<ModelFiles> {
  const expected = KINDS[model.kind]!.format;
  let config: { format?: unknown; kiln?: Json; absent?: unknown };
  try {
    config = (await readJsonFile(path.join(dir, 'config.json'))) as typeof config;
  } catch (error) {
    throw invalidInput(`${model.uri}: cannot read config.json: ${(error as Error).message}`, 'deploy the model output of bert/finetune@v1 or bert/pretrain@v1');
  }
  if (config.format !== expected) {
    throw invalidInput(`${model.uri}: config.json has format ${JSON.stringify(config.format)}; a "${model.kind}" artifact has '${expected}'`);
  }
  const card = (await readJsonFile(path.join(dir, 'model-card.json')).catch(() => undefined)) as { metrics?: Json } | undefined;
  const headless = Array.isArray(config.absent) && config.absent.includes('mlm');
  const action: Action = model.kind === 'classifier' ? 'predict' : headless ? 'embed' : 'fill-mask';
  return { origin: config.kiln ?? null, metrics: card?.metrics ?? null, labels: await readLabels(dir), action };
}

/** labels.json as a list, `{names: [...]}` (dataset/load@v1's form) or `{labels: [...]}`; undefined otherwise. */
async function readLabels(dir: string): Promise<string[] | undefined> {
  const json = (await readJsonFile(path.join(dir, 'labels.json')).catch(() => undefined)) as unknown;
  const list = Array.isArray(json) ? json : ((json as { names?: unknown; labels?: unknown } | undefined)?.names ?? (json as { labels?: unknown } | undefined)?.labels);
  return Array.isArray(list) && list.every((l) => typeof l === 'string') ? (list as string[]) : undefined;
}
