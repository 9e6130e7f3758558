import fs from 'node:fs/promises';
import path from 'node:path';

import { ensureServeServer, ServeStartError, type ServeEndpoint } from '../serve/ensure-server';
import { DEFAULT_SMOKE_TEXTS, smokeTest } from '../serve/smoke-test';
import { DEFAULT_ALIAS } from '../store/registry-ref';
import type { Lineage } from '../store/registry-types';
import { invalidInput } from './failures';
import { modelKind, readModelFiles } from './model-files';
import { defineStep, type StepContext, type StepOutputs } from './step';
import { stepInputs } from './step-inputs';

const HEARTBEAT_EVERY_MS = 5_000;

/**
 * `model/deploy@v1`: registers the model as the next version of `name` (the same artifact again reuses its
 * version), smoke-tests that version through a running `kiln serve` (starting one if none runs), and only
 * then moves the alias. A failed smoke test leaves the alias, and so what is served, as it was.
 */
export const modelDeploy = defineStep(run);

async function run(step: StepContext): Promise<StepOutputs> {
  const { input, deps } = step;
  const { home, registry } = deps;
  const progress = { phase: 'registering' };
  // Starting a server can take a while; heartbeats keep a step with a heartbeat_timeout alive meanwhile.
  step.keepAlive(() => ({ ...progress }), HEARTBEAT_EVERY_MS);
  const inputs = stepInputs('model/deploy@v1', input);
  const kind = modelKind(inputs.model);
  const dir = deps.store.pathOf(inputs.model);
  // A missing artifact is a store problem, not the pipeline's: a plain (retryable) error.
  if (!(await fs.stat(dir).catch(() => undefined))) throw new Error(`model artifact ${inputs.model.uri} is missing from the store (${dir})`);
  const files = await readModelFiles(dir, inputs.model);
  const lineage: Lineage = {
    workflowId: input.workflowId,
    runId: input.runId,
    pipeline: input.pipeline,
    step: input.stepId,
    ...optionalString('planHash', input.planHash),
    ...optionalString('cacheKey', input.cacheKey),
    origin: files.origin,
  };
  const { name, alias, serve } = inputs;
  const { record, reused } = await registry.register(name, dir, {
    kind,
    digest: inputs.model.digest,
    source: { uri: inputs.model.uri, meta: inputs.model.meta },
    lineage,
    metrics: files.metrics,
  });
  const version = record.version;
  step.log(`${reused ? 'reusing' : 'registered'} ${name}:${version} (${record.digest})`);

  progress.phase = 'finding or starting kiln serve';
  let server: ServeEndpoint;
  try {
    server = await ensureServeServer({ home, host: serve.host, port: serve.port, registryRoot: registry.root, log: deps.log });
  } catch (error) {
    if (error instanceof ServeStartError) throw new Error(`${error.message}\nhint: the alias was not moved; check ${path.join(home, 'serve.log')}`);
    throw error;
  }
  progress.phase = `smoke-testing ${name}:${version} on ${server.url}`;
  const { action } = files;
  const smoke = await smokeTest({ url: server.url, name, version, action, texts: inputs.smoke_test?.texts ?? DEFAULT_SMOKE_TEXTS[action], labels: files.labels });
  if (!smoke.ok) {
    const current = (await registry.aliases(name))[alias];
    throw invalidInput(
      `smoke test of ${name}:${version} failed, so alias '${alias}' was not moved (${current === undefined ? 'it is not set' : `it still points to version ${current}`}): ${smoke.error}`,
      `version ${version} stays registered for inspection (${registry.versionDir(name, version)}); fix the model and run the pipeline again`,
    );
  }
  const { previous } = await registry.setAlias(name, alias, version);
  step.log(`${name}@${alias} → ${version}${previous === undefined ? '' : ` (was ${previous})`}, smoke-tested on ${server.url}`);
  // Runs can be found by the model version they deployed.
  step.label('KilnModel', `${name}:${version}`);
  const ref = alias === DEFAULT_ALIAS ? name : `${name}@${alias}`;
  return {
    version: { name, version, alias, digest: record.digest },
    endpoint: `${server.url}/v1/models/${ref}/${action}`,
  };
}

function optionalString(key: string, value: unknown): Record<string, string> {
  return typeof value === 'string' ? { [key]: value } : {};
}
