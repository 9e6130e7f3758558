// A step's `with` at run time, every reference already replaced by its value: checked against the step type's schema
// and rules by the compiler's own validator, with every default filled in, typed from the schema. The activity edge
// calls it (activities/step-inputs.ts), so a hand-started workflow or an older plan gets the compiler's messages.
import { translateAjvErrors } from './ajv-errors';
import { loadCatalog, type Catalog, type StepType } from './catalog';
import type { Diagnostic } from './errors';
import type { LoadedYaml } from './load';
import { formatPath, type Path } from './paths';
import { checkRules } from './rules';
import type { StepDefaults, StepInputs } from './step-inputs.generated';
import type { Json } from '../contract/json';

export type StepTypeName = keyof StepInputs;

export type ResolvedInputs<T extends StepTypeName> = { inputs: StepInputs[T] } | { problems: Diagnostic[] };

/** Problems found at run time have a path (under `prefix`) but no position. */
function positionless(value: Json): LoadedYaml {
  const diagnostic = (path: Path, message: string, hint?: string): Diagnostic => ({ file: '', line: 0, col: 0, path: formatPath(path), message, ...(hint ? { hint } : {}) });
  return { file: '', value, diagnostics: [], locate: () => ({ line: 0, col: 0 }), diagnostic };
}

function stepType(type: string, catalog: Catalog): StepType {
  const found = catalog.get(type);
  if (!found) throw new Error(`no schema for step type ${type} in ${catalog.dir}`);
  return found;
}

/** `raw` (not changed) checked and completed; problems are reported under `prefix`, e.g. steps.ID.with. */
export function resolveStepInputs<T extends StepTypeName>(type: T, raw: { [key: string]: Json }, prefix: Path = ['with'], catalog: Catalog = loadCatalog()): ResolvedInputs<T> {
  const step = stepType(type, catalog);
  const data = structuredClone(raw);
  const yaml = positionless(data);
  if (!step.validate(data)) {
    const composites = { ajv: catalog.ajv, pointers: catalog.pointers };
    return { problems: translateAjvErrors(step.validate.errors, { yaml, data, prefix, composites }) };
  }
  step.applyDefaults(data);
  const broken = checkRules(step.rules, data);
  if (broken.length > 0) return { problems: broken.map((b) => yaml.diagnostic([...prefix, ...b.path], b.message, b.hint)) };
  return { inputs: data as unknown as StepInputs[T] };
}

/**
 * The defaulted keys of a step type's `with`, as a step that sets none of them gets them: for tests and benchmarks,
 * which call the libraries below the activities without a pipeline.
 */
export function stepDefaults<T extends StepTypeName>(type: T, catalog: Catalog = loadCatalog()): StepDefaults[T] {
  const data: { [key: string]: Json } = {};
  stepType(type, catalog).applyDefaults(data);
  return data as unknown as StepDefaults[T];
}
