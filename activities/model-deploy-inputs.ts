// model/deploy@v1's `with`, checked again at the activity's edge (the compiler validated it against the schema,
// but a hand-started workflow need not have), and what the model directory says about itself.
import fs from 'node:fs/promises';
import path from 'node:path';

import type { Json } from '../compiler/types';
import { DEFAULT_SMOKE_TEXTS } from '../serve/smoke-test';
import { DEFAULT_ALIAS, NAME_PATTERN, ALIAS_PATTERN } from '../store/registry-ref';
import type { ModelKind } from '../store/registry-types';
import { isArtifactRef, type ArtifactRef } from '../store/types';
import { invalidInput } from './failures';

export interface DeployInputs {
  model: ArtifactRef;
  kind: ModelKind;
  name: string;
  alias: string;
  smokeTexts: string[];
  host: string;
  port: number;
}

/** Artifact kind → registry kind, and the config.json format each must have. */
const KINDS: Record<string, { kind: ModelKind; format: string }> = {
  classifier: { kind: 'classifier', format: 'kiln/bert-classifier@1' },
  model: { kind: 'encoder', format: 'kiln/bert-model@1' },
};

export function parseDeployInputs(inputs: { [key: string]: Json }): DeployInputs {
  const model = inputs.model;
  if (!isArtifactRef(model)) throw invalidInput('with.model must be a model artifact', 'pass ${{ steps.finetune.outputs.model }} or ${{ steps.pretrain.outputs.model }}');
  const kind = KINDS[model.kind]?.kind;
  if (!kind) throw invalidInput(`with.model is a "${model.kind}" artifact; model/deploy@v1 deploys "classifier" or "model" artifacts`);
  const name = inputs.name;
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw invalidInput(`with.name ${JSON.stringify(name)} is not a model name`, 'lowercase letters, digits and dashes, starting with a letter');
  }
  const alias = inputs.alias ?? DEFAULT_ALIAS;
  if (typeof alias !== 'string' || !ALIAS_PATTERN.test(alias)) {
    throw invalidInput(`with.alias ${JSON.stringify(alias)} is not an alias`, 'lowercase letters, digits and dashes, starting with a letter');
  }
  const smoke = (inputs.smoke_test ?? {}) as { texts?: unknown };
  const smokeTexts = smoke.texts ?? DEFAULT_SMOKE_TEXTS[kind];
  if (!Array.isArray(smokeTexts) || smokeTexts.length === 0 || !smokeTexts.every((t) => typeof t === 'string')) {
    throw invalidInput('with.smoke_test.texts must be a non-empty list of strings');
  }
  const serve = (inputs.serve ?? {}) as { host?: unknown; port?: unknown };
  const host = typeof serve.host === 'string' ? serve.host : '127.0.0.1';
  const port = Number.isInteger(serve.port) ? (serve.port as number) : 8080;
  return { model, kind, name, alias, smokeTexts: smokeTexts as string[], host, port };
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
}

/** Checks that the directory is the kind of model its artifact says, and reads what the registry records. */
export async function readModelFiles(dir: string, inputs: DeployInputs): Promise<ModelFiles> {
  const expected = KINDS[inputs.model.kind]!.format;
  let config: { format?: unknown; kiln?: Json };
  try {
    config = (await readJsonFile(path.join(dir, 'config.json'))) as typeof config;
  } catch (error) {
    throw invalidInput(`${inputs.model.uri}: cannot read config.json: ${(error as Error).message}`, 'deploy the model output of bert/finetune@v1 or bert/pretrain@v1');
  }
  if (config.format !== expected) {
    throw invalidInput(`${inputs.model.uri}: config.json has format ${JSON.stringify(config.format)}; a "${inputs.model.kind}" artifact has '${expected}'`);
  }
  const card = (await readJsonFile(path.join(dir, 'model-card.json')).catch(() => undefined)) as { metrics?: Json } | undefined;
  return { origin: config.kiln ?? null, metrics: card?.metrics ?? null, labels: await readLabels(dir) };
}

/** labels.json as a list, `{names: [...]}` (dataset/load@v1's form) or `{labels: [...]}`; undefined otherwise. */
async function readLabels(dir: string): Promise<string[] | undefined> {
  const json = (await readJsonFile(path.join(dir, 'labels.json')).catch(() => undefined)) as unknown;
  const list = Array.isArray(json) ? json : ((json as { names?: unknown; labels?: unknown } | undefined)?.names ?? (json as { labels?: unknown } | undefined)?.labels);
  return Array.isArray(list) && list.every((l) => typeof l === 'string') ? (list as string[]) : undefined;
}
