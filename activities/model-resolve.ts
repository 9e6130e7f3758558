// `model/resolve@v1`: a registered classifier (NAME@ALIAS or NAME:VERSION) back into the store as an artifact, so
// steps such as bert/evaluate@v1 can take what is deployed now. The store is content-addressed and the registry
// holds a copy of the deployed directory plus registry.json: without that file the copy hashes to the same digest.
import fs from 'node:fs/promises';
import path from 'node:path';

import { activityInfo } from '@temporalio/activity';

import type { Json, StepInput, StepResult } from '../compiler/types';
import { contentDigest } from '../store/artifacts';
import { ModelRegistry, RECORD_FILE, type Resolved } from '../store/registry';
import { ALIAS_PATTERN, DEFAULT_ALIAS, formatModelRef, NAME_PATTERN } from '../store/registry-ref';
import { RegistryError, type ModelRef } from '../store/registry-types';
import type { ArtifactRef } from '../store/types';
import type { ActivityDeps, StepActivity } from './deps';
import { invalidInput, nonRetryable } from './failures';

const URI_PREFIX = 'kiln://sha256/';

/** What tests may swap: where the registry lives. */
export interface ResolveOptions {
  registry?: ModelRegistry;
}

export function modelResolve(deps: ActivityDeps, options: ResolveOptions = {}): StepActivity {
  return async (input) => ({ ...(await run(deps, options, input)), attempt: activityInfo().attempt });
}

async function run(deps: ActivityDeps, options: ResolveOptions, input: StepInput): Promise<Omit<StepResult, 'attempt'>> {
  const ref = parseInputs(input);
  const registry = options.registry ?? new ModelRegistry();
  let resolved: Resolved;
  try {
    resolved = await registry.resolve(ref);
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
  const model = await artifactOf(deps, record.digest, dir, record.source.meta, at);
  deps.log(`${input.stepId}: ${formatModelRef(ref)} → ${at} (${record.digest})`);
  const version: { [key: string]: Json } = { name: record.name, version: record.version, alias: resolved.alias ?? null, digest: record.digest };
  return { outputs: { model, version } };
}

function parseInputs(input: StepInput): ModelRef {
  const { name, alias, version } = input.inputs;
  const where = `steps.${input.stepId}.with`;
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw invalidInput(`${where}.name: ${JSON.stringify(name)} is not a model name`, 'lowercase letters, digits and dashes, starting with a letter');
  }
  if (alias !== undefined && version !== undefined) {
    throw invalidInput(`${where}: set alias or version, not both`, `alias follows wherever it points now (e.g. ${name}@${DEFAULT_ALIAS}); version pins one (e.g. ${name}:3)`);
  }
  if (version !== undefined) {
    if (!Number.isSafeInteger(version) || (version as number) < 1) throw invalidInput(`${where}.version: must be an integer >= 1 (got ${JSON.stringify(version)})`);
    return { name, version: version as number };
  }
  if (alias !== undefined && (typeof alias !== 'string' || !ALIAS_PATTERN.test(alias))) {
    throw invalidInput(`${where}.alias: ${JSON.stringify(alias)} is not an alias`, 'lowercase letters, digits and dashes, starting with a letter');
  }
  return { name, alias: (alias as string | undefined) ?? DEFAULT_ALIAS };
}

/**
 * The deployed artifact itself when the store still holds it intact; else the registry's copy put back in, which
 * must hash to the recorded digest (a registry copy that changed since deployment is not what was deployed).
 */
async function artifactOf(deps: ActivityDeps, digest: string, versionDir: string, meta: ArtifactRef['meta'], at: string): Promise<ArtifactRef> {
  const hex = digest.replace(/^sha256:/, '');
  const stored = { uri: URI_PREFIX + hex, digest };
  const found = await contentDigest(deps.store.pathOf(stored)).catch(() => undefined);
  if (found?.directory && found.hex === hex) return { ...stored, kind: 'classifier', bytes: found.bytes, meta };
  const staging = await deps.store.stagingDir('resolve');
  try {
    const copy = path.join(staging, 'model');
    const recordFile = path.join(versionDir, RECORD_FILE);
    await fs.cp(versionDir, copy, { recursive: true, filter: (source) => source !== recordFile });
    const ref = await deps.store.putDirectory(copy, { kind: 'classifier', meta });
    if (ref.digest !== digest) {
      throw nonRetryable(
        'ChecksumMismatch',
        `${at}: the registry's copy (${versionDir}) hashes to ${ref.digest}, but ${digest} was deployed`,
        'a file of that version was changed after deployment; deploy the model again (a new version) instead of editing the registry',
      );
    }
    return ref;
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}

