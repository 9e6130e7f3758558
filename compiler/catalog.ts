// The step-type catalog: every schemas/steps/*.schema.json, keyed by its `x-kiln.type`.
// Only data: the compiler never imports activities/. Loaded and compiled once per directory per process.
import { readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { AnySchemaObject, ValidateFunction } from 'ajv';
import type { Ajv2020 } from 'ajv/dist/2020';
import { SCHEMAS_DIR, createAjv, loadArtifactSchema, readSchemaFile, sharedAjv } from './ajv';
import { applyDefaults, stripCompositeDefaults } from './defaults';
import { parseDuration } from './durations';
import { parseRules, type Rule } from './rules';
import { indexPointers, type SchemaIndex } from './schema-walk';
import { cachedValidator } from './validator-cache';

export interface OutputSpec {
  /** Artifact kind (`corpus`, `tokenizer`, ...) or `json` for a small JSON value. */
  kind: string;
  description?: string;
}

/** Step options in pipeline-file spelling, as found in `defaults:`, a step, or a type's `x-kiln.defaults`. */
export interface OptionsSpec {
  /** Only in a type's `x-kiln.defaults`: whether its steps use the step cache unless they say (default true). */
  cache?: boolean;
  timeout?: string;
  heartbeat_timeout?: string;
  retry?: { max_attempts?: number; initial_interval?: string; backoff?: number; max_interval?: string };
}

export interface StepType {
  /** `family/name@vN`, also the activity's name. */
  type: string;
  /** Bumped when the implementation changes its results; part of cache keys. */
  implementation: number;
  file: string;
  /** The schema of `with`, exactly as written. */
  schema: AnySchemaObject;
  outputs: { [name: string]: OutputSpec };
  defaults: OptionsSpec;
  /** Cross-field rules of `with` (`x-kiln.rules`), checked after the schema. */
  rules: Rule[];
  /** ajv validator of `with`; applies the defaults that lie outside oneOf/anyOf. */
  validate: ValidateFunction;
  /** Fills in every schema default of a valid `with`, including those inside oneOf/anyOf branches. */
  applyDefaults(data: unknown): void;
}

export interface Catalog {
  dir: string;
  /** Step type names, sorted. */
  types: string[];
  get(type: string): StepType | undefined;
  ajv: Ajv2020;
  /** Where each schema object ajv knows lives (error reports re-validate oneOf branches by pointer). */
  pointers: SchemaIndex;
}

export const STEPS_DIR = join(SCHEMAS_DIR, 'steps');

const TYPE_PATTERN = /^[a-z][a-z0-9-]*\/[a-z][a-z0-9-]*@v[0-9]+$/;
const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*$/;

const cache = new Map<string, Catalog>();

/** The catalog of `dir` (default: the repo's schemas/steps); throws naming the file if a schema is malformed. */
export function loadCatalog(dir: string = STEPS_DIR): Catalog {
  const abs = resolve(dir);
  let catalog = cache.get(abs);
  if (!catalog) {
    catalog = buildCatalog(abs);
    cache.set(abs, catalog);
  }
  return catalog;
}

function buildCatalog(dir: string): Catalog {
  // Other directories (tests' throwaway catalogs) may reuse the repo's schema ids: they get their own instance.
  const ajv = dir === resolve(STEPS_DIR) ? sharedAjv() : createAjv();
  const pointers: SchemaIndex = new WeakMap();
  const byType = new Map<string, StepType>();
  const problems: string[] = [];
  const files = readdirSync(dir).filter((f) => f.endsWith('.schema.json')).sort();
  for (const name of files) {
    const file = join(dir, name);
    try {
      const step = loadStepType(file, ajv, pointers);
      const clash = byType.get(step.type);
      if (clash) throw new Error(`x-kiln.type "${step.type}" is also declared by ${clash.file}`);
      byType.set(step.type, step);
    } catch (e) {
      problems.push(`${file}: ${(e as Error).message}`);
    }
  }
  if (problems.length > 0) throw new Error(`invalid step schema${problems.length > 1 ? 's' : ''}:\n${problems.join('\n')}`);
  const types = [...byType.keys()].sort();
  return { dir, types, get: (t) => byType.get(t), ajv, pointers };
}

function loadStepType(file: string, ajv: Ajv2020, pointers: Catalog['pointers']): StepType {
  const schema = readSchemaFile(file);
  const meta = checkMeta(schema['x-kiln'], schema);
  // Relative $refs such as ../artifact.schema.json resolve against the id: give id-less schemas one.
  const schemaId = typeof schema.$id === 'string' ? schema.$id : `https://kiln.dev/schemas/steps/${basename(file)}`;
  const forAjv = { ...stripCompositeDefaults(schema), $id: schemaId };
  ajv.addSchema(forAjv);
  indexPointers(forAjv, schemaId, pointers);
  // Compiled now (or loaded compiled, validator-cache.ts), so that a mistake in any step schema (an unknown
  // keyword, a bad $ref) names its file at once.
  const sources = [forAjv, loadArtifactSchema()];
  const validate = cachedValidator(ajv, schemaId, sources);
  const branches = new Map<string, ValidateFunction>();
  const branch = (pointer: string): ValidateFunction => {
    let found = branches.get(pointer);
    if (!found) branches.set(pointer, (found = cachedValidator(ajv, `${schemaId}#${pointer}`, sources, { errors: false })));
    return found;
  };
  return {
    ...meta,
    file,
    schema,
    validate,
    applyDefaults(data: unknown) {
      applyDefaults({ root: schema, matches: (pointer, d) => branch(pointer)(d) === true }, data);
    },
  };
}

function checkMeta(raw: unknown, schema: AnySchemaObject): Pick<StepType, 'type' | 'implementation' | 'outputs' | 'defaults' | 'rules'> {
  if (typeof raw !== 'object' || raw === null) throw new Error('missing the "x-kiln" block { type, implementation, outputs, defaults, rules }');
  const m = raw as Record<string, unknown>;
  const errs: string[] = [];
  if (typeof m.type !== 'string' || !TYPE_PATTERN.test(m.type)) errs.push(`x-kiln.type must look like family/name@v1 (got ${JSON.stringify(m.type)})`);
  if (!Number.isInteger(m.implementation) || (m.implementation as number) < 1) errs.push('x-kiln.implementation must be an integer >= 1');
  const outputs = (m.outputs ?? {}) as Record<string, OutputSpec>;
  for (const [name, spec] of Object.entries(outputs)) {
    if (!NAME_PATTERN.test(name)) errs.push(`x-kiln.outputs: invalid output name "${name}"`);
    if (typeof spec?.kind !== 'string' || spec.kind === '') errs.push(`x-kiln.outputs.${name}.kind must be a non-empty string`);
  }
  const defaults = (m.defaults ?? {}) as OptionsSpec;
  for (const key of ['timeout', 'heartbeat_timeout'] as const) checkDuration(defaults[key], `x-kiln.defaults.${key}`, errs);
  if (defaults.cache !== undefined && typeof defaults.cache !== 'boolean') errs.push('x-kiln.defaults.cache must be a boolean');
  checkDuration(defaults.retry?.initial_interval, 'x-kiln.defaults.retry.initial_interval', errs);
  checkDuration(defaults.retry?.max_interval, 'x-kiln.defaults.retry.max_interval', errs);
  let rules: Rule[] = [];
  try {
    rules = parseRules(m.rules, schema);
  } catch (e) {
    errs.push((e as Error).message);
  }
  if (errs.length > 0) throw new Error(errs.join('; '));
  return { type: m.type as string, implementation: m.implementation as number, outputs, defaults, rules };
}

function checkDuration(value: unknown, where: string, errs: string[]): void {
  if (value === undefined) return;
  try {
    parseDuration(value as string);
  } catch (e) {
    errs.push(`${where}: ${(e as Error).message}`);
  }
}
