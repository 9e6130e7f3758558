// `model/resolve@v1`: a registered classifier (NAME@ALIAS or NAME:VERSION) back into the store as an artifact, so
// steps such as bert/evaluate@v1 can take what is deployed now. The store is content-addressed and the registry
// holds a copy of the deployed directory plus registry.json: without that file the copy hashes to the same digest.
import fs from 'node:fs/promises';
import path from 'node:path';

import type { Json } from '../contract/json';
import { contentDigest } from '../store/artifacts';
import { RECORD_FILE, type Resolved } from '../store/registry';
import { DEFAULT_ALIAS, formatModelRef } from '../store/registry-ref';
import { RegistryError, type ModelRef } from '../store/registry-types';
import type { ArtifactRef } from '../store/types';
import { invalidInput, nonRetryable } from './failures';
import { defineStep, type StepContext, type StepOutputs } from './step';
import { stepInputs } from './step-inputs';

const URI_PREFIX = 'kiln://sha256/';

export const modelResolve = defineStep(run);

async function run(step: StepContext): Promise<StepOutputs> {
  const { input, deps } = step;
  const { name, alias, version: pinned } = stepInputs('model/resolve@v1', input);
  // A rule of the schema forbids both; with neither, the production alias.
  const ref: ModelRef = pinned === undefined ? { name, alias: alias ?? DEFAULT_ALIAS } : { name, version: pinned };
  let resolved: Resolved;
  try {
    resolved = await deps.registry.resolve(ref);
  } catch (error) {
    if (error instanceof RegistryError) throw invalidInput(`steps.${input.stepId}: ${error.message}`, error.hint);
    throw error;
  }
  const { record, dir } = resolved;
  const at = formatModelRef({ name: record.name, version: record.version });
  if (record.kind !== 'classifier') {
    throw invalidInput(
      `steps.${input.stepId}: ${formatModelRef(ref)} is ${at}, a pretrained ${record.kind}; model/resolve@v1 hands on classifiers only`,
      'evaluate a fine-tuned classifier (a bert/finetune@v1 model deployed with model/deploy@v1), or point the alias at one',
    );
  }
  const model = await artifactOf(step, record.digest, dir, record.source.meta, at);
  step.log(`${formatModelRef(ref)} → ${at} (${record.digest})`);
  const version: { [key: string]: Json } = { name: record.name, version: record.version, alias: resolved.alias ?? null, digest: record.digest };
  return { model, version };
}

/**
 * The deployed artifact itself when the store still holds it intact; else the registry's copy put back in, which
 * must hash to the recorded digest (a registry copy that changed since deployment is not what was deployed).
 */
async function artifactOf(step: StepContext, digest: string, versionDir: string, meta: ArtifactRef['meta'], at: string): Promise<ArtifactRef> {
  const { store } = step.deps;
  const hex = digest.replace(/^sha256:/, '');
  const stored = { uri: URI_PREFIX + hex, digest };
  const found = await contentDigest(store.pathOf(stored)).catch(() => undefined);
  if (found?.directory && found.hex === hex) return { ...stored, kind: 'classifier', bytes: found.bytes, meta };
  const copy = path.join(await step.staging('resolve'), 'model');
  const recordFile = path.join(versionDir, RECORD_FILE);
  await fs.cp(versionDir, copy, { recursive: true, filter: (source) => source !== recordFile });
  const ref = await store.putDirectory(copy, { kind: 'classifier', meta });
  if (ref.digest !== digest) {
    throw nonRetryable(
      'ChecksumMismatch',
      `${at}: the registry's copy (${versionDir}) hashes to ${ref.digest}, but ${digest} was deployed`,
      'a file of that version was changed after deployment; deploy the model again (a new version) instead of editing the registry',
    );
  }
  return ref;
}

