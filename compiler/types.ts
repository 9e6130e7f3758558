// The Plan: what the compiler hands to the workflow. Plain JSON, no functions, no YAML.
// Workflows import these as types only.

import type { Json } from '../contract/json';

/** A reference to another step's output, left in `inputs` where the YAML had `${{ steps.ID.outputs.NAME }}`. */
export interface OutputRef {
  $ref: { step: string; output: string };
}

/** A string with step outputs interpolated into it: parts are joined after each ref becomes text (an artifact's uri). */
export interface OutputTemplate {
  $template: Array<string | OutputRef>;
}

export interface RetrySpec {
  maxAttempts: number;
  initialIntervalMs: number;
  backoff: number;
  maxIntervalMs: number;
}

export interface StepActivityOptions {
  taskQueue: string;
  startToCloseTimeoutMs: number;
  heartbeatTimeoutMs?: number;
  retry: RetrySpec;
}

export interface SourcePosition {
  line: number;
  col: number;
}

export interface PlanStep {
  id: string;
  /** The step type with version, e.g. `corpus/download@v1`; also the activity's name. */
  type: string;
  /** The step's `with`, params substituted, defaults applied; step outputs remain as OutputRef/OutputTemplate. */
  inputs: { [key: string]: Json };
  /** Ids of steps this one waits for (references and `needs`), sorted. */
  dependsOn: string[];
  /** Output names this step type declares. */
  outputs: string[];
  options: StepActivityOptions;
  cache: boolean;
  position: SourcePosition;
}

export interface Plan {
  apiVersion: 'kiln/v1';
  pipeline: string;
  description?: string;
  /** Params after `--set` overrides. */
  params: { [key: string]: Json };
  /** Steps in topological order (ties broken by YAML order). */
  steps: PlanStep[];
  /** sha256 hex of the canonical JSON of apiVersion, pipeline, description, params, steps (without their YAML positions) and schedule; not `source`, so reformatting a file keeps its hash. */
  planHash: string;
  /** Where the pipeline came from: absolute path, its directory (relative `file:` inputs resolve against it), content hash. */
  source: { file: string; dir: string; sha256: string };
  schedule?: { [key: string]: Json };
}

/** What every step activity receives. */
export interface StepInput {
  runId: string;
  workflowId: string;
  pipeline: string;
  /** The plan's hash (lineage); absent in hand-built inputs. */
  planHash?: string;
  stepId: string;
  /** The step's cache key, filled in by the worker's cache layer (lineage for what the step produces). */
  cacheKey?: string;
  /** Reuse a verified earlier result with the same cache key, and record this one. */
  cache: boolean;
  /** Earlier runs this one resumes (newest first): steps look there for checkpoints to continue from. */
  resumedFrom: string[];
  /** The pipeline file's directory: relative paths in inputs resolve against it. */
  baseDir: string;
  /** Inputs with every reference replaced by the referenced output. */
  inputs: { [key: string]: Json };
}

/** What every step activity returns: artifact references and small JSON values, never bulk data. */
export interface StepResult {
  outputs: { [key: string]: Json };
  attempt: number;
  /** True when the outputs came from the step cache and the step did not run. */
  cached?: boolean;
  cacheKey?: string;
  /** Why the cache could not be used (which input changed), when it was consulted and missed. */
  cacheMiss?: string[];
  /**
   * Search attributes the step sets on its run, by name (model/deploy: `KilnModel` = `name:version`, so runs can
   * be found by the model version they deployed). The workflow sets those it declares and knows nothing else of them.
   */
  searchAttributes?: { [name: string]: string };
}
