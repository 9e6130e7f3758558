import fs from 'node:fs/promises';
import path from 'node:path';

import { Context } from '@temporalio/activity';

import type { StepInput, StepResult } from '../compiler/types';
import { ensureServeServer, ServeStartError, type EnsureServeOptions, type ServeEndpoint } from '../serve/ensure-server';
import { smokeTest } from '../serve/smoke-test';
import { kilnHome } from '../store/paths';
import { ModelRegistry } from '../store/registry';
import { DEFAULT_ALIAS } from '../store/registry-ref';
import type { Lineage } from '../store/registry-types';
import type { ActivityDeps, StepActivity } from './deps';
import { invalidInput } from './failures';
import { parseDeployInputs, readModelFiles } from './model-deploy-inputs';

const HEARTBEAT_EVERY_MS = 5_000;

/** What tests (and other hosts) may swap: where the registry lives and how a server is found or started. */
export interface DeployOptions {
  home?: string;
  registry?: ModelRegistry;
  ensureServer?: (options: EnsureServeOptions) => Promise<ServeEndpoint>;
}

/**
 * `model/deploy@v1`: registers the model as the next version of `name` (the same artifact again reuses its
 * version), smoke-tests that version through a running `kiln serve` (starting one if none runs), and only
 * then moves the alias. A failed smoke test leaves the alias, and so what is served, as it was.
 */
export function modelDeploy(deps: ActivityDeps, options: DeployOptions = {}): StepActivity {
  return async (input) => {
    const context = Context.current();
    const progress = { phase: 'registering' };
    // Starting a server can take a while; heartbeats keep a step with a heartbeat_timeout alive meanwhile.
    const timer = setInterval(() => context.heartbeat(progress), HEARTBEAT_EVERY_MS);
    try {
      return { ...(await run(deps, options, input, progress)), attempt: context.info.attempt };
    } finally {
      clearInterval(timer);
    }
  };
}

async function run(deps: ActivityDeps, options: DeployOptions, input: StepInput, progress: { phase: string }): Promise<Omit<StepResult, 'attempt'>> {
  const inputs = parseDeployInputs(input.inputs);
  const home = options.home ?? kilnHome();
  const registry = options.registry ?? new ModelRegistry(path.join(home, 'models'));
  const dir = deps.store.pathOf(inputs.model);
  // A missing artifact is a store problem, not the pipeline's: a plain (retryable) error.
  if (!(await fs.stat(dir).catch(() => undefined))) throw new Error(`model artifact ${inputs.model.uri} is missing from the store (${dir})`);
  const files = await readModelFiles(dir, inputs);
  const lineage: Lineage = {
    workflowId: input.workflowId,
    runId: input.runId,
    pipeline: input.pipeline,
    step: input.stepId,
    ...optionalString('planHash', input.planHash),
    ...optionalString('cacheKey', input.cacheKey),
    origin: files.origin,
  };
  const { name, alias, kind } = inputs;
  const { record, reused } = await registry.register(name, dir, {
    kind,
    digest: inputs.model.digest,
    source: { uri: inputs.model.uri, meta: inputs.model.meta },
    lineage,
    metrics: files.metrics,
  });
  const version = record.version;
  deps.log(`${input.stepId}: ${reused ? 'reusing' : 'registered'} ${name}:${version} (${record.digest})`);

  progress.phase = 'finding or starting kiln serve';
  let server: ServeEndpoint;
  try {
    server = await (options.ensureServer ?? ensureServeServer)({ home, host: inputs.host, port: inputs.port, registryRoot: registry.root, log: deps.log });
  } catch (error) {
    if (error instanceof ServeStartError) throw new Error(`${error.message}\nhint: the alias was not moved; check ${path.join(home, 'serve.log')}`);
    throw error;
  }
  progress.phase = `smoke-testing ${name}:${version} on ${server.url}`;
  const smoke = await smokeTest({ url: server.url, name, version, kind, texts: inputs.smokeTexts, labels: files.labels });
  if (!smoke.ok) {
    const current = (await registry.aliases(name))[alias];
    throw invalidInput(
      `smoke test of ${name}:${version} failed, so alias '${alias}' was not moved (${current === undefined ? 'it is not set' : `it still points to version ${current}`}): ${smoke.error}`,
      `version ${version} stays registered for inspection (${registry.versionDir(name, version)}); fix the model and run the pipeline again`,
    );
  }
  const { previous } = await registry.setAlias(name, alias, version);
  deps.log(`${input.stepId}: ${name}@${alias} → ${version}${previous === undefined ? '' : ` (was ${previous})`}, smoke-tested on ${server.url}`);
  const ref = alias === DEFAULT_ALIAS ? name : `${name}@${alias}`;
  return {
    outputs: {
      version: { name, version, alias, digest: record.digest },
      endpoint: `${server.url}/v1/models/${ref}/${kind === 'classifier' ? 'predict' : 'fill-mask'}`,
    },
  };
}

function optionalString(key: string, value: unknown): Record<string, string> {
  return typeof value === 'string' ? { [key]: value } : {};
}
