// Schema defaults. ajv's useDefaults skips defaults inside oneOf/anyOf (and strict mode rejects
// them), yet step schemas put them there (e.g. a source's `format`). So ajv gets a copy without those
// defaults, and after validation we fill in every default ourselves, following the branch that matched.
import type { AnySchemaObject } from 'ajv';
import { COMPOSITES, escapePointer, forEachSubschema, resolvePointer } from './schema-walk';

type Schema = AnySchemaObject | boolean;

/** A deep copy of `schema` with `default` removed wherever ajv would ignore it (under anyOf/oneOf/not). */
export function stripCompositeDefaults(schema: AnySchemaObject): AnySchemaObject {
  const copy = structuredClone(schema);
  const walk = (s: Schema, inComposite: boolean): void => {
    if (typeof s !== 'object') return;
    if (inComposite) delete s.default;
    forEachSubschema(s, (sub, _suffix, keyword) => walk(sub, inComposite || COMPOSITES.includes(keyword)));
  };
  walk(copy, false);
  return copy;
}

export interface DefaultsContext {
  root: AnySchemaObject;
  /** Whether `data` is valid against the subschema at `pointer` of the root (used to pick a oneOf branch). */
  matches(pointer: string, data: unknown): boolean;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Fills in missing properties that have a `default`, in place, wherever the schema reaches. */
export function applyDefaults(ctx: DefaultsContext, data: unknown, schema: Schema = ctx.root, pointer = '', depth = 0): void {
  if (typeof schema !== 'object' || depth > 64) return;
  const next = (sub: Schema, p: string, d: unknown): void => applyDefaults(ctx, d, sub, p, depth + 1);
  if (typeof schema.$ref === 'string' && schema.$ref.startsWith('#')) {
    const target = resolvePointer(ctx.root, schema.$ref.slice(1));
    if (target !== undefined) next(target, schema.$ref.slice(1), data);
  }
  (schema.allOf as Schema[] | undefined)?.forEach((sub, i) => next(sub, `${pointer}/allOf/${i}`, data));
  for (const kw of ['oneOf', 'anyOf'] as const) {
    const branches = schema[kw] as Schema[] | undefined;
    const i = branches?.findIndex((_, j) => ctx.matches(`${pointer}/${kw}/${j}`, data)) ?? -1;
    if (branches && i >= 0) next(branches[i]!, `${pointer}/${kw}/${i}`, data);
  }
  if (isPlainObject(data) && isPlainObject(schema.properties)) {
    for (const [key, sub] of Object.entries(schema.properties as Record<string, Schema>)) {
      if (data[key] === undefined && typeof sub === 'object' && sub.default !== undefined) {
        data[key] = structuredClone(sub.default);
      }
      if (data[key] !== undefined) next(sub, `${pointer}/properties/${escapePointer(key)}`, data[key]);
    }
  }
  if (Array.isArray(data)) {
    const prefix = (schema.prefixItems as Schema[] | undefined) ?? [];
    data.forEach((item, i) => {
      if (i < prefix.length) next(prefix[i]!, `${pointer}/prefixItems/${i}`, item);
      else if (schema.items !== undefined) next(schema.items as Schema, `${pointer}/items`, item);
    });
  }
}
