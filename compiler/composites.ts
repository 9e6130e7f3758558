// oneOf/anyOf failures: ajv reports every branch's errors, a wall of noise. We keep only the branch
// the user evidently meant (by the keys it requires, then by fewest errors), or one summary line.
import type { AnySchemaObject, ErrorObject } from 'ajv';
import type { Ajv2020 } from 'ajv/dist/2020';
import type { SchemaIndex } from './schema-walk';
import { closest } from './suggest';

export interface CompositeContext {
  ajv: Ajv2020;
  pointers: SchemaIndex;
}

/** A message made here rather than by ajv; `params.hint` may hold a hint. */
export const SUMMARY = 'x-summary';

export function resolveComposites(errors: ErrorObject[], ctx: CompositeContext): ErrorObject[] {
  const out: ErrorObject[] = [];
  let k = errors.length - 1;
  while (k >= 0) {
    const e = errors[k]!;
    const branches = e.keyword === 'oneOf' || e.keyword === 'anyOf' ? revalidateBranches(e, ctx) : undefined;
    if (!branches) {
      out.push(e);
      k--;
      continue;
    }
    // ajv pushed the branches' errors just before the oneOf error itself: skip exactly those.
    let skip = branches.reduce((n, b) => n + b.rawCount, 0);
    k--;
    while (skip > 0 && k >= 0 && isUnderPointer(errors[k]!.instancePath, e.instancePath)) {
      k--;
      skip--;
    }
    out.push(...choose(e, branches).reverse());
  }
  return out.reverse();
}

interface Branch {
  schema: AnySchemaObject | boolean;
  errors: ErrorObject[];
  rawCount: number;
}

function isUnderPointer(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/** Validates `e.data` against each branch on its own, so that each branch's errors are known exactly. */
function revalidateBranches(e: ErrorObject, ctx: CompositeContext): Branch[] | undefined {
  const where = e.parentSchema ? ctx.pointers.get(e.parentSchema) : undefined;
  const list: unknown = e.schema;
  if (!where || !Array.isArray(list)) return undefined;
  const branches: Branch[] = [];
  for (let i = 0; i < list.length; i++) {
    const validate = ctx.ajv.getSchema(`${where.schemaId}#${where.pointer}/${e.keyword}/${i}`);
    if (!validate) return undefined;
    validate(e.data);
    const raw = [...(validate.errors ?? [])];
    const errors = resolveComposites(raw, ctx).map((x) => ({ ...x, instancePath: e.instancePath + x.instancePath }));
    branches.push({ schema: deref(list[i], where.schemaId, ctx), errors, rawCount: raw.length });
  }
  return branches;
}

function deref(schema: unknown, baseId: string, ctx: CompositeContext): AnySchemaObject | boolean {
  if (typeof schema !== 'object' || schema === null) return schema === true;
  const s = schema as AnySchemaObject;
  if (typeof s.$ref !== 'string') return s;
  const target = ctx.ajv.getSchema(new URL(s.$ref, baseId).href)?.schema;
  return typeof target === 'object' && target !== null ? { ...target, ...s } : s;
}

function propertyNames(schema: unknown): string[] {
  const props = typeof schema === 'object' && schema !== null ? (schema as AnySchemaObject).properties : undefined;
  return typeof props === 'object' && props !== null ? Object.keys(props) : [];
}

function required(schema: AnySchemaObject | boolean): string[] {
  return typeof schema === 'object' && Array.isArray(schema.required) ? (schema.required as string[]) : [];
}

/** `at: 'key'` for a missing key: reported where the object's key is, as for `required`. */
function summary(e: ErrorObject, message: string, hint?: string, at: 'key' | 'value' = 'value'): ErrorObject {
  return { ...e, keyword: SUMMARY, message, params: { at, ...(hint ? { hint } : {}) } };
}

function choose(e: ErrorObject, branches: Branch[]): ErrorObject[] {
  const data: unknown = e.data;
  const reqs = branches.map((b) => required(b.schema));
  const keyed = reqs.every((r) => r.length > 0);
  const firstKeys = [...new Set(reqs.map((r) => r[0]!))];
  if (e.params.passingSchemas) {
    const [a, b] = e.params.passingSchemas as number[];
    return [summary(e, keyed ? `must have only one of: ${firstKeys.join(', ')}` : `matches more than one allowed form (${a! + 1} and ${b! + 1})`, undefined, 'key')];
  }
  const isObject = typeof data === 'object' && data !== null && !Array.isArray(data);
  if (isObject && keyed) {
    const present = Object.keys(data);
    const scores = reqs.map((r) => r.filter((key) => present.includes(key)).length);
    const best = Math.max(...scores);
    if (best === 0) {
      // Only a key no schema here declares can be a misspelling of a required one.
      const declared = new Set([e.parentSchema, ...branches.map((b) => b.schema)].flatMap(propertyNames));
      const typo = present.filter((key) => !declared.has(key)).map((key) => ({ key, near: closest(key, firstKeys) })).find((x) => x.near);
      const hint = typo ? `did you mean "${typo.near}" instead of "${typo.key}"?` : undefined;
      return [summary(e, `must have one of the keys: ${firstKeys.join(', ')}`, hint, 'key')];
    }
    return fewestErrors(branches.filter((_, i) => scores[i] === best)).errors;
  }
  const rootType = (b: Branch): string | undefined => {
    const kind = b.errors.find((x) => x.keyword === 'x-kiln-kind' && x.instancePath === e.instancePath);
    if (kind) return `a "${String(kind.params.kind)}" artifact`;
    const t = b.errors.find((x) => x.keyword === 'type' && x.instancePath === e.instancePath);
    return t ? typeNames(t.params.type) : undefined;
  };
  const types = branches.map(rootType);
  if (types.every((t) => t !== undefined)) {
    return [summary(e, `must be ${[...new Set(types)].join(' or ')} (got ${describeValue(data)})`)];
  }
  return fewestErrors(branches.filter((_, i) => types[i] === undefined)).errors;
}

function fewestErrors(branches: Branch[]): Branch {
  return branches.reduce((best, b) => (b.errors.length < best.errors.length ? b : best));
}

const TYPE_NAMES: Record<string, string> = {
  integer: 'an integer', number: 'a number', string: 'a string', boolean: 'a boolean (true or false)',
  object: 'an object', array: 'an array', null: 'null',
};

/** `an integer`, `a string or null`, from ajv's `params.type` (a name or a comma-separated list). */
export function typeNames(type: unknown): string {
  const list = Array.isArray(type) ? type : String(type).split(',');
  return list.map((t) => TYPE_NAMES[String(t)] ?? String(t)).join(' or ');
}

/** A short rendering of a value for "(got ...)". */
export function describeValue(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v !== null && typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  return String(v);
}
