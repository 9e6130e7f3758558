// Cross-field rules of a step type's `with`, declared in its schema's `x-kiln.rules`: what JSON Schema cannot say,
// such as "num_heads divides hidden_size". The compiler checks them once the schema check passed and defaults are
// filled in, skipping values that are still expressions; the activity edge checks them again on resolved values.
import type { AnySchemaObject } from 'ajv';
import type { Path } from './paths';
import { didYouMean } from './suggest';
import type { Json } from '../contract/json';

/** A condition on the `with`, as a partial value: `{ dataset: { kind: "dataset-split" } }`; `{}` matches any object. */
type When = { [key: string]: Json };

/** Paths are dotted, relative to `with`: `model.hidden_size`. */
export type Rule = (
  | { rule: 'divides'; divisor: string; of: string }
  | { rule: 'at-most'; value: string; limit: string; minus?: number }
  | { rule: 'sum-below'; values: string[]; limit: number }
  | { rule: 'required'; path: string }
  | { rule: 'absent'; path: string }
  | { rule: 'not-both'; paths: [string, string] }
  | { rule: 'keys-in'; paths: string[]; names?: string[]; keys_of?: string }
  | { rule: 'equals'; path: string; value: Json }
) & { when?: When; hint?: string };

export interface RuleProblem {
  /** Relative to `with`. */
  path: Path;
  message: string;
  hint?: string;
  /** Where a missing key is reported: at its parent's key. */
  at?: 'key';
}

/** Whether the value at `path` is known (at compile time a reference's value is not, except an artifact's kind). */
export type Known = (path: Path) => boolean;

const split = (dotted: string): string[] => dotted.split('.');

interface Values {
  /** The value at a path when it is present and known. */
  get(dotted: string): Json | undefined;
  /** Whether a key is set, known value or not. */
  has(dotted: string): boolean;
}

const CHECKS: { [K in Rule['rule']]: (r: Extract<Rule, { rule: K }>, v: Values) => RuleProblem[] } = {
  divides(r, v) {
    const [d, n] = [v.get(r.divisor), v.get(r.of)];
    if (typeof d !== 'number' || typeof n !== 'number' || d === 0 || n % d === 0) return [];
    const divisors = nearestDivisors(n, d);
    const multiples = [Math.floor(n / d) * d, Math.ceil(n / d) * d].filter((m) => m > 0);
    const fix = `e.g. ${r.divisor} ${divisors.join(' or ')}, or ${r.of} ${multiples.join(' or ')}`;
    return [{ path: split(r.divisor), message: `${d} does not divide ${r.of} ${n}`, hint: r.hint ? `${r.hint}; ${fix}` : fix }];
  },
  'at-most'(r, v) {
    const [value, limit] = [v.get(r.value), v.get(r.limit)];
    if (typeof value !== 'number' || typeof limit !== 'number') return [];
    const bound = limit - (r.minus ?? 0);
    if (value <= bound) return [];
    const expr = r.minus ? `${r.limit} - ${r.minus}` : r.limit;
    return [{ path: split(r.value), message: `must be at most ${expr} = ${bound} (got ${value})`, ...hint(r) }];
  },
  'sum-below'(r, v) {
    const values = r.values.map((p) => v.get(p));
    if (!values.every((x): x is number => typeof x === 'number')) return [];
    const sum = Number(values.reduce((a, b) => a + b, 0).toPrecision(12));
    if (sum < r.limit) return [];
    const parent = commonParent(r.values.map(split));
    const names = r.values.map((p) => split(p).slice(parent.length).join('.'));
    return [{ path: parent, message: `${names.join(' + ')} must be below ${r.limit} (got ${values.join(' + ')} = ${sum})`, ...hint(r) }];
  },
  required(r, v) {
    if (v.has(r.path)) return [];
    const path = split(r.path);
    return [{ path: path.slice(0, -1), message: `missing required key "${path[path.length - 1]}"${whenText(r.when)}`, at: 'key', ...hint(r) }];
  },
  absent(r, v) {
    return v.has(r.path) ? [{ path: split(r.path), message: `is not allowed${whenText(r.when)}`, ...hint(r) }] : [];
  },
  'not-both'(r, v) {
    const [a, b] = r.paths;
    return v.has(a) && v.has(b) ? [{ path: split(b), message: `set ${a} or ${b}, not both`, ...hint(r) }] : [];
  },
  'keys-in'(r, v) {
    const allowed = r.names ?? keysOf(r.keys_of === undefined ? undefined : v.get(r.keys_of));
    if (!allowed) return [];
    const list = allowed.join(', ') || '(none)';
    const out: RuleProblem[] = [];
    for (const p of r.paths) {
      for (const key of keysOf(v.get(p)) ?? []) {
        if (allowed.includes(key)) continue;
        const message = r.keys_of === undefined ? `unknown key "${key}"${whenText(r.when)}` : `"${key}" is not a key of ${r.keys_of}`;
        const about = r.keys_of === undefined ? `allowed${whenText(r.when)}: ${list}` : `${r.keys_of} has ${list}`;
        out.push({ path: [...split(p), key], message: message + didYouMean(key, allowed), hint: r.hint ? `${about}; ${r.hint}` : about, at: 'key' });
      }
    }
    return out;
  },
  equals(r, v) {
    const got = v.get(r.path);
    if (got === undefined || JSON.stringify(got) === JSON.stringify(r.value)) return [];
    return [{ path: split(r.path), message: `must be ${JSON.stringify(r.value)}${whenText(r.when)} (got ${JSON.stringify(got)})`, ...hint(r) }];
  },
};

/** Each kind's fields (`?`: optional). A path must name a key the schema has, so a typo in a rule names its file. */
const FIELDS: { [K in Rule['rule']]: { [field: string]: 'path' | 'paths' | 'number' | 'names' | 'json' } } = {
  divides: { divisor: 'path', of: 'path' },
  'at-most': { value: 'path', limit: 'path', 'minus?': 'number' },
  'sum-below': { values: 'paths', limit: 'number' },
  required: { path: 'path' },
  absent: { path: 'path' },
  'not-both': { paths: 'paths' },
  'keys-in': { paths: 'paths', 'names?': 'names', 'keys_of?': 'path' },
  equals: { path: 'path', value: 'json' },
};

function hint(r: Rule): { hint?: string } {
  return r.hint ? { hint: r.hint } : {};
}

function keysOf(value: Json | undefined): string[] | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : undefined;
}

/** The divisors of n closest to d from below and above (in √n steps: n may be a huge prime). */
function nearestDivisors(n: number, d: number): number[] {
  let below = 1;
  let above = n;
  for (let k = 1; k * k <= n; k++) {
    if (n % k !== 0) continue;
    for (const divisor of [k, n / k]) {
      if (divisor <= d && divisor > below) below = divisor;
      if (divisor >= d && divisor < above) above = divisor;
    }
  }
  return [...new Set([below, above])];
}

function commonParent(paths: string[][]): string[] {
  const first = paths[0] ?? [];
  let n = 0;
  while (n < first.length - 1 && paths.every((p) => p.length > n + 1 && p[n] === first[n])) n++;
  return first.slice(0, n);
}

/** ` when dataset.kind is "dataset-split"`, or nothing; `code` dresses paths and values (the reference uses backticks). */
function whenText(when: When | undefined, code: (text: string) => string = (t) => t): string {
  if (!when) return '';
  const parts: string[] = [];
  const walk = (pattern: Json, at: string[]): void => {
    const entries = pattern !== null && typeof pattern === 'object' && !Array.isArray(pattern) ? Object.entries(pattern) : undefined;
    if (entries && entries.length > 0) for (const [k, x] of entries) walk(x, [...at, k]);
    else parts.push(entries ? `${code(at.join('.'))} is set` : `${code(at.join('.'))} is ${code(JSON.stringify(pattern))}`);
  };
  walk(when, []);
  return ` when ${parts.join(' and ')}`;
}

/** True, false, or undefined when a value it looks at is not known yet. */
function matches(pattern: Json, value: Json | undefined, path: Path, known: Known): boolean | undefined {
  if (pattern !== null && typeof pattern === 'object' && !Array.isArray(pattern)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value === undefined ? false : known(path) ? false : undefined;
    let result: boolean | undefined = true;
    for (const [k, p] of Object.entries(pattern)) {
      const m = matches(p, value[k], [...path, k], known);
      if (m === false) return false;
      if (m === undefined) result = undefined;
    }
    return result;
  }
  if (!known(path)) return undefined;
  return JSON.stringify(pattern) === JSON.stringify(value);
}

function lookup(root: Json, path: readonly string[]): Json | undefined {
  let cur: Json | undefined = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !Object.hasOwn(cur, seg)) return undefined;
    cur = cur[seg];
  }
  return cur;
}

/** The problems of a `with` that passed its schema check, defaults filled in. */
export function checkRules(rules: readonly Rule[], value: Json, known: Known = () => true): RuleProblem[] {
  const values: Values = {
    get: (dotted) => (known(split(dotted)) ? lookup(value, split(dotted)) : undefined),
    has: (dotted) => lookup(value, split(dotted)) !== undefined,
  };
  const out: RuleProblem[] = [];
  for (const rule of rules) {
    if (rule.when && matches(rule.when, value, [], known) !== true) continue;
    const check = CHECKS[rule.rule] as (r: Rule, v: Values) => RuleProblem[];
    out.push(...check(rule, values));
  }
  return out;
}

/** Checks `x-kiln.rules` of a step schema: known kinds, their fields, paths that exist in the schema. */
export function parseRules(raw: unknown, schema: AnySchemaObject): Rule[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new Error('x-kiln.rules must be a list');
  return raw.map((r: unknown, i) => {
    const where = `x-kiln.rules[${i}]`;
    const rule = (typeof r === 'object' && r !== null ? r : {}) as Record<string, unknown>;
    if (typeof rule.rule !== 'string' || !Object.hasOwn(FIELDS, rule.rule)) throw new Error(`${where}.rule must be one of ${Object.keys(FIELDS).join(', ')}`);
    const fields = Object.entries(FIELDS[rule.rule as Rule['rule']]).map(([spec, kind]) => ({ name: spec.replace(/\?$/, ''), optional: spec.endsWith('?'), kind }));
    for (const key of Object.keys(rule)) {
      if (!['rule', 'when', 'hint'].includes(key) && !fields.some((f) => f.name === key)) throw new Error(`${where}: unknown field "${key}"`);
    }
    for (const { name, optional, kind } of fields) {
      const value = rule[name];
      if (value === undefined) {
        if (optional) continue;
        throw new Error(`${where}.${name} is required`);
      }
      const isPath = (p: unknown): boolean => typeof p === 'string' && inSchema(schema, split(p));
      const ok =
        kind === 'path' ? isPath(value)
        : kind === 'paths' ? Array.isArray(value) && value.length > 0 && value.every(isPath)
        : kind === 'names' ? Array.isArray(value) && value.every((n) => typeof n === 'string')
        : kind === 'number' ? typeof value === 'number'
        : true;
      if (!ok) throw new Error(`${where}.${name} must be ${kind === 'path' ? 'a key of the schema' : kind === 'paths' ? 'keys of the schema' : kind === 'names' ? 'a list of names' : 'a number'} (got ${JSON.stringify(value)})`);
    }
    if (rule.rule === 'keys-in' && (rule.names === undefined) === (rule.keys_of === undefined)) throw new Error(`${where}: give names or keys_of`);
    if (rule.rule === 'not-both' && (rule.paths as unknown[]).length !== 2) throw new Error(`${where}.paths must name two keys`);
    if (rule.when !== undefined && (typeof rule.when !== 'object' || rule.when === null || Array.isArray(rule.when))) throw new Error(`${where}.when must be an object`);
    return rule as Rule;
  });
}

/** Whether `path` can exist in values of `schema` (through properties, oneOf/anyOf branches and an artifact's fields). */
function inSchema(schema: AnySchemaObject, path: readonly string[]): boolean {
  if (path.length === 0) return true;
  if (typeof schema.$ref === 'string' && schema.$ref.endsWith('artifact.schema.json')) return path.length === 1 && ['uri', 'kind', 'digest', 'bytes', 'meta'].includes(path[0]!);
  const props = (schema.properties ?? {}) as Record<string, AnySchemaObject>;
  const [head, ...rest] = path;
  if (Object.hasOwn(props, head!) && inSchema(props[head!]!, rest)) return true;
  return [...((schema.oneOf ?? []) as AnySchemaObject[]), ...((schema.anyOf ?? []) as AnySchemaObject[])].some((b) => inSchema(b, path));
}

/** The rule in words, for the README reference. */
export function describeRule(r: Rule): string {
  const c = (p: string): string => `\`${p}\``;
  let text: string;
  switch (r.rule) {
    case 'divides': text = `${c(r.divisor)} divides ${c(r.of)}`; break;
    case 'at-most': text = `${c(r.value)} ≤ ${c(r.limit)}${r.minus ? ` − ${r.minus}` : ''}`; break;
    case 'sum-below': text = `${r.values.map(c).join(' + ')} < ${r.limit}`; break;
    case 'required': text = `${c(r.path)} is required`; break;
    case 'absent': text = `${c(r.path)} is not allowed`; break;
    case 'not-both': text = `not both ${c(r.paths[0])} and ${c(r.paths[1])}`; break;
    case 'keys-in': text = `the keys of ${r.paths.map(c).join(' and ')} are ${r.names ? `among ${r.names.join(', ')}` : `keys of ${c(r.keys_of!)}`}`; break;
    case 'equals': text = `${c(r.path)} is ${c(JSON.stringify(r.value))}`; break;
  }
  return `${text}${whenText(r.when, c)}`;
}
