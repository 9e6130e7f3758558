// `--set name=value`: overrides of pipeline params, parsed and type-checked against each param's default.
import { SET_FILE, type Diagnostic } from './errors';
import { byCloseness, didYouMean, nameList } from './suggest';
import type { Json } from '../contract/json';

function setError(name: string, message: string, hint?: string): Diagnostic {
  return { file: SET_FILE, line: 0, col: 0, path: name, message, ...(hint ? { hint } : {}) };
}

/** Splits `name=value` arguments (the value may itself contain "="). */
export function parseSetArgs(args: readonly string[]): { set: Record<string, string>; diagnostics: Diagnostic[] } {
  const set: Record<string, string> = {};
  const diagnostics: Diagnostic[] = [];
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) diagnostics.push(setError(arg, 'expected name=value', 'for example: --set seed=7'));
    else set[arg.slice(0, eq)] = arg.slice(eq + 1);
  }
  return { set, diagnostics };
}

/** The value `text` stands for, given the param's default; a string error message when it does not fit. */
export type Converted = { value: Json } | { error: string };

export function convert(text: string, def: Json): Converted {
  const shown = JSON.stringify(text);
  if (typeof def === 'number') {
    const n = text.trim() === '' ? NaN : Number(text);
    if (Number.isInteger(def) && !Number.isInteger(n)) return { error: `must be an integer, like the default ${def} (got ${shown})` };
    if (!Number.isFinite(n)) return { error: `must be a number, like the default ${def} (got ${shown})` };
    return { value: n };
  }
  if (typeof def === 'boolean') {
    if (text === 'true' || text === 'false') return { value: text === 'true' };
    return { error: `must be true or false (got ${shown})` };
  }
  if (typeof def === 'string') return { value: text };
  let parsed: Json;
  try {
    parsed = JSON.parse(text) as Json;
  } catch {
    // A null default says nothing about the type: take non-JSON text as a string.
    if (def === null) return { value: text };
    return { error: `must be a JSON ${Array.isArray(def) ? 'array' : 'object'}, like the default ${JSON.stringify(def)} (got ${shown})` };
  }
  if (def === null) return { value: parsed };
  const wantArray = Array.isArray(def);
  const isObject = parsed !== null && typeof parsed === 'object';
  if (!isObject || Array.isArray(parsed) !== wantArray) {
    return { error: `must be a JSON ${wantArray ? 'array' : 'object'}, like the default ${JSON.stringify(def)} (got ${shown})` };
  }
  return { value: parsed };
}

/** The params after overrides, and a Diagnostic for each override that is unknown or of the wrong type. */
export function applyParamOverrides(
  defaults: { [name: string]: Json },
  set: Record<string, string> = {},
): { params: { [name: string]: Json }; diagnostics: Diagnostic[] } {
  const params: { [name: string]: Json } = structuredClone(defaults);
  const diagnostics: Diagnostic[] = [];
  const names = Object.keys(defaults);
  for (const [name, text] of Object.entries(set)) {
    if (!Object.hasOwn(defaults, name)) {
      const hint = names.length ? `params of this pipeline: ${nameList(byCloseness(name, names))}` : 'this pipeline declares no params';
      diagnostics.push(setError(name, `unknown param "${name}"${didYouMean(name, names)}`, hint));
      continue;
    }
    const converted = convert(text, defaults[name]!);
    if ('error' in converted) diagnostics.push(setError(name, converted.error));
    else params[name] = converted.value;
  }
  return { params, diagnostics };
}

