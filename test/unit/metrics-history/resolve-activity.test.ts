// model/resolve@v1 under MockActivityEnvironment with a temporary registry and store: an alias or version back to
// the very artifact that was deployed (same digest, also after the store lost it), and clear refusals.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { activityDeps } from '../../../activities/deps';
import { modelResolve } from '../../../activities/model-resolve';
import type { Json } from '../../../contract/json';
import type { StepResult } from '../../../compiler/types';
import { ArtifactStore } from '../../../store/artifacts';
import { ModelRegistry } from '../../../store/registry';
import type { ModelKind } from '../../../store/registry-types';
import type { ArtifactRef } from '../../../store/types';

let tmp: string;
let store: ArtifactStore;
let registry: ModelRegistry;
const refs: { [name: string]: ArtifactRef } = {};

/** A model directory as the store holds it, registered as the next version of `name` (registry files need not load). */
async function deploy(name: string, kind: ModelKind, content: string, alias?: string): Promise<ArtifactRef> {
  const dir = path.join(await store.stagingDir('model'), 'model');
  await fs.mkdir(path.join(dir, 'sub'), { recursive: true });
  await fs.writeFile(path.join(dir, 'config.json'), JSON.stringify({ content }));
  await fs.writeFile(path.join(dir, 'sub', 'weights.bin'), content.repeat(10));
  const ref = await store.putDirectory(dir, { kind: kind === 'classifier' ? 'classifier' : 'model', meta: { made: content } });
  const lineage = { workflowId: 'wf', runId: 'r', step: 'deploy' };
  const { record } = await registry.register(name, store.pathOf(ref), { kind, digest: ref.digest, source: { uri: ref.uri, meta: ref.meta }, lineage, metrics: null });
  if (alias) await registry.setAlias(name, alias, record.version);
  return ref;
}

function resolve(inputs: { [key: string]: Json }): Promise<StepResult> {
  const env = new MockActivityEnvironment({ attempt: 1 }, { logger: new DefaultLogger('ERROR') });
  const input = { runId: 'r', workflowId: 'wf-resolve', pipeline: 'nightly-eval', stepId: 'model', cache: false, resumedFrom: [], baseDir: tmp, inputs };
  return env.run(modelResolve(activityDeps(tmp)), input);
}

async function failure(inputs: { [key: string]: Json }): Promise<ApplicationFailure> {
  const error = await resolve(inputs).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-resolve-'));
  store = new ArtifactStore(path.join(tmp, 'store'));
  registry = new ModelRegistry(path.join(tmp, 'models'));
  refs.v1 = await deploy('sentiment', 'classifier', 'one', 'production');
  refs.v2 = await deploy('sentiment', 'classifier', 'two', 'staging');
  refs.encoder = await deploy('encoder', 'encoder', 'enc', 'production');
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('model/resolve@v1', () => {
  it('follows the production alias by default to the deployed artifact, digest and meta included', async () => {
    const { outputs } = await resolve({ name: 'sentiment' });
    expect(outputs.model).toEqual(refs.v1);
    expect(outputs.version).toEqual({ name: 'sentiment', version: 1, alias: 'production', digest: refs.v1!.digest });
    expect((await resolve({ name: 'sentiment', alias: 'staging' })).outputs.version).toEqual({ name: 'sentiment', version: 2, alias: 'staging', digest: refs.v2!.digest });
    expect((await resolve({ name: 'sentiment', version: 2 })).outputs).toEqual({
      model: refs.v2,
      version: { name: 'sentiment', version: 2, alias: null, digest: refs.v2!.digest },
    });
  });

  it('rebuilds the artifact from the registry copy when the store lost it: the same digest again', async () => {
    await fs.rm(store.pathOf(refs.v1!), { recursive: true });
    const { outputs } = await resolve({ name: 'sentiment' });
    expect(outputs.model).toEqual(refs.v1);
    expect(await store.verify(refs.v1!)).toBe(true);
    expect(await fs.readdir(store.pathOf(refs.v1!))).toEqual(['config.json', 'sub']);
  });

  it('fails with ChecksumMismatch when the registry copy was changed after deployment', async () => {
    await fs.rm(store.pathOf(refs.v2!), { recursive: true });
    await fs.writeFile(path.join(registry.versionDir('sentiment', 2), 'sub', 'weights.bin'), 'edited');
    const error = await failure({ name: 'sentiment', version: 2 });
    expect(error.type).toBe('ChecksumMismatch');
    expect(error.message).toContain(`sentiment:2: the registry's copy (${registry.versionDir('sentiment', 2)}) hashes to sha256:`);
    expect(error.message).toContain(`but ${refs.v2!.digest} was deployed`);
  });

  it('refuses unknown models and aliases, listing the ones that exist', async () => {
    const model = await failure({ name: 'sentimnt' });
    expect(model.type).toBe('InvalidInput');
    expect(model.message).toBe("steps.model: no model named 'sentimnt' is registered\nhint: registered models: encoder, sentiment");
    const alias = await failure({ name: 'sentiment', alias: 'canary' });
    expect(alias.message).toBe(
      "steps.model: model 'sentiment' has no alias 'canary'\nhint: its aliases: production → 1, staging → 2; ask for a version instead (sentiment:2) or move the alias with `kiln models promote`",
    );
    expect((await failure({ name: 'sentiment', version: 7 })).message).toBe("steps.model: model 'sentiment' has no version 7\nhint: its versions: 1, 2");
  });

  it('refuses encoders (its output is a classifier) and alias together with version', async () => {
    const encoder = await failure({ name: 'encoder' });
    expect(encoder.type).toBe('InvalidInput');
    expect(encoder.message.split('\n')[0]).toBe('steps.model: encoder@production is encoder:1, a pretrained encoder; model/resolve@v1 hands on classifiers only');
    const both = await failure({ name: 'sentiment', alias: 'production', version: 1 });
    expect(both.message.split('\n')[0]).toBe('steps.model.with.version: set alias or version, not both');
  });
});
