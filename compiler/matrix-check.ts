// `matrix:`, `matrix_options:` and `--matrix`: every swept param known, every value of its default's type.
// The shape (lists, option types) is the schema's job; this pass checks what the schema cannot know.
import { canonicalJson } from './canonical';
import { SET_FILE, type Diagnostic } from './errors';
import type { LoadedYaml } from './load';
import { convert } from './params';
import type { Path } from './paths';
import { byCloseness, didYouMean, nameList } from './suggest';
import type { Json } from '../contract/json';

export type JsonObject = { [key: string]: Json };

/** One swept param: its values in order, and where its list is written (absent: from `--matrix` only). */
export interface Axis {
  name: string;
  values: Json[];
  path?: Path;
}

/** A checked matrix: the axes in order, and the option entries with the paths they were written at. */
export interface MatrixSpec {
  axes: Axis[];
  exclude: Array<{ entry: JsonObject; path: Path }>;
  include: Array<{ entry: JsonObject; path: Path }>;
  maxParallel: number;
  failFast: boolean;
}

export const DEFAULT_MAX_PARALLEL = 4;

export function asObject(v: Json | undefined): JsonObject | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
}

/** Why `value` cannot stand for a param whose default is `def` (the --set rules, for typed YAML values). */
export function misfit(value: Json, def: Json): string | undefined {
  const got = `(got ${JSON.stringify(value)})`;
  if (def === null) return undefined;
  if (typeof def === 'number') {
    if (Number.isInteger(def) && !Number.isInteger(value)) return `must be an integer, like the default ${def} ${got}`;
    return typeof value === 'number' ? undefined : `must be a number, like the default ${def} ${got}`;
  }
  if (typeof def === 'boolean') return typeof value === 'boolean' ? undefined : `must be true or false ${got}`;
  if (typeof def === 'string') return typeof value === 'string' ? undefined : `must be a string, like the default ${JSON.stringify(def)} ${got}`;
  const wantArray = Array.isArray(def);
  if (value !== null && typeof value === 'object' && Array.isArray(value) === wantArray) return undefined;
  return `must be ${wantArray ? 'an array' : 'an object'}, like the default ${JSON.stringify(def)} ${got}`;
}

function typeHint(name: string, def: Json): string {
  return typeof def === 'string'
    ? `param "${name}" is a string (its default is ${JSON.stringify(def)}): quote the value`
    : `every value of "${name}" must have the type of its default, ${JSON.stringify(def)}`;
}

function unknownParam(name: string, names: string[]): { message: string; hint: string } {
  const hint = names.length ? `params of this pipeline: ${nameList(byCloseness(name, names))}` : 'declare it under "params:" with a default value';
  return { message: `unknown param "${name}"${didYouMean(name, names)}`, hint };
}

function cliError(name: string, message: string, hint?: string): Diagnostic {
  return { file: SET_FILE, line: 0, col: 0, path: name, message: `in --matrix: ${message}`, ...(hint ? { hint } : {}) };
}

/**
 * The file's matrix with `--matrix` lists applied (a param given there replaces the file's list in place, or is
 * added at the end), and every problem with either. `spec` is undefined when there are problems.
 */
export function checkMatrix(
  yaml: LoadedYaml,
  root: JsonObject,
  cli: Record<string, string[]> = {},
  set: Record<string, string> = {},
): { spec?: MatrixSpec; diagnostics: Diagnostic[] } {
  const defaults = asObject(root.params) ?? {};
  const names = Object.keys(defaults);
  const diagnostics: Diagnostic[] = [];
  const axes: Axis[] = [];

  for (const [name, list] of Object.entries(asObject(root.matrix) ?? {})) {
    const path: Path = ['matrix', name];
    if (!Array.isArray(list)) continue; // the schema says so
    if (!Object.hasOwn(defaults, name)) {
      const { message, hint } = unknownParam(name, names);
      diagnostics.push(yaml.diagnostic(path, message, hint, 'key'));
      continue;
    }
    if (list.length === 0 && !Object.hasOwn(cli, name)) {
      diagnostics.push(yaml.diagnostic(path, `no values to sweep`, `give at least one value, e.g. ${name}: [${JSON.stringify(defaults[name])}], or remove "${name}" from the matrix`));
    }
    list.forEach((value, i) => {
      const wrong = misfit(value, defaults[name]!);
      if (wrong) diagnostics.push(yaml.diagnostic([...path, i], wrong, typeHint(name, defaults[name]!)));
    });
    axes.push({ name, values: list, path });
  }

  for (const [name, texts] of Object.entries(cli)) {
    if (!Object.hasOwn(defaults, name)) {
      const { message, hint } = unknownParam(name, names);
      diagnostics.push(cliError(name, message, hint));
      continue;
    }
    const values: Json[] = [];
    const seen = new Set<string>();
    for (const text of texts) {
      const converted = convert(text, defaults[name]!);
      if ('error' in converted) {
        diagnostics.push(cliError(name, converted.error));
        continue;
      }
      const key = canonicalJson(converted.value);
      if (seen.has(key)) diagnostics.push(cliError(name, `value ${JSON.stringify(text)} is given twice`, 'each value makes its own runs: give it once'));
      seen.add(key);
      values.push(converted.value);
    }
    const at = axes.findIndex((a) => a.name === name);
    if (at >= 0) axes[at] = { name, values, ...(axes[at]!.path ? { path: axes[at]!.path } : {}) };
    else axes.push({ name, values });
  }

  for (const name of Object.keys(set)) {
    if (axes.some((a) => a.name === name)) {
      diagnostics.push({ file: SET_FILE, line: 0, col: 0, path: name, message: `param "${name}" is swept by the matrix; --set cannot also set it`, hint: `to run one value of it, use --matrix ${name}=VALUE` });
    }
  }

  const options = asObject(root.matrix_options) ?? {};
  const swept = axes.map((a) => a.name);
  const entries = (key: 'include' | 'exclude'): Array<{ entry: JsonObject; path: Path }> => {
    const list = Array.isArray(options[key]) ? options[key] : [];
    const out: Array<{ entry: JsonObject; path: Path }> = [];
    list.forEach((item, i) => {
      const entry = asObject(item);
      if (!entry) return;
      const path: Path = ['matrix_options', key, i];
      const problems = checkEntry(yaml, entry, path, swept, defaults, key);
      diagnostics.push(...problems);
      if (problems.length === 0) out.push({ entry, path });
    });
    return out;
  };
  const exclude = entries('exclude');
  const include = entries('include');
  if (diagnostics.length > 0) return { diagnostics };
  return {
    spec: {
      axes,
      exclude,
      include,
      maxParallel: typeof options.max_parallel === 'number' ? options.max_parallel : DEFAULT_MAX_PARALLEL,
      failFast: options.fail_fast === true,
    },
    diagnostics,
  };
}

/** An include or exclude entry: only matrix params, values of their types; an include gives every one. */
function checkEntry(yaml: LoadedYaml, entry: JsonObject, path: Path, swept: string[], defaults: JsonObject, key: 'include' | 'exclude'): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [name, value] of Object.entries(entry)) {
    if (!swept.includes(name)) {
      const known = Object.hasOwn(defaults, name);
      const message = known ? `param "${name}" is not in the matrix` : `unknown param "${name}"${didYouMean(name, swept)}`;
      out.push(yaml.diagnostic([...path, name], message, `${key} entries name matrix params only: ${nameList(swept)}`, 'key'));
      continue;
    }
    const wrong = misfit(value, defaults[name]!);
    if (wrong) out.push(yaml.diagnostic([...path, name], wrong, typeHint(name, defaults[name]!)));
  }
  if (key === 'include') {
    const missing = swept.filter((name) => !Object.hasOwn(entry, name));
    if (missing.length > 0) {
      out.push(yaml.diagnostic(path, `include entry gives no value for ${missing.map((m) => `"${m}"`).join(', ')}`,
        `each include entry is one whole run: give a value for every matrix param (${nameList(swept)})`));
    }
  }
  return out;
}
