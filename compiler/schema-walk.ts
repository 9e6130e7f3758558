// Generic traversal of JSON Schema documents: which keywords hold subschemas, and JSON pointers.
import type { AnySchemaObject } from 'ajv';

type Schema = AnySchemaObject | boolean;

const SINGLE = ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames',
  'unevaluatedProperties', 'unevaluatedItems', 'additionalItems'];
const LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
const MAPS = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'];
export const COMPOSITES = ['anyOf', 'oneOf', 'not'];

export function escapePointer(seg: string | number): string {
  return String(seg).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Calls `visit(subschema, pointerSuffix, keyword)` for each direct subschema of `schema`. */
export function forEachSubschema(schema: Schema, visit: (sub: Schema, suffix: string, keyword: string) => void): void {
  if (typeof schema !== 'object' || schema === null) return;
  for (const kw of SINGLE) if (kw in schema && isSchema(schema[kw])) visit(schema[kw], `/${kw}`, kw);
  for (const kw of LISTS) {
    const list: unknown = schema[kw];
    if (Array.isArray(list)) list.forEach((sub, i) => isSchema(sub) && visit(sub, `/${kw}/${i}`, kw));
  }
  for (const kw of MAPS) {
    const map: unknown = schema[kw];
    if (map && typeof map === 'object') {
      for (const [k, sub] of Object.entries(map)) if (isSchema(sub)) visit(sub, `/${kw}/${escapePointer(k)}`, kw);
    }
  }
}

function isSchema(v: unknown): v is Schema {
  return typeof v === 'boolean' || (typeof v === 'object' && v !== null && !Array.isArray(v));
}

/** Where each schema object ajv was given lives: its root schema's id and its JSON pointer there. */
export type SchemaIndex = WeakMap<object, { schemaId: string; pointer: string }>;

/** Records every schema object in `root` (first pointer found wins). */
export function indexPointers(root: AnySchemaObject, schemaId: string, into: SchemaIndex): void {
  const walk = (s: Schema, pointer: string): void => {
    if (typeof s !== 'object' || into.has(s)) return;
    into.set(s, { schemaId, pointer });
    forEachSubschema(s, (sub, suffix) => walk(sub, pointer + suffix));
  };
  walk(root, '');
}

/** Resolves a `#/...` pointer inside `root`. */
export function resolvePointer(root: AnySchemaObject, pointer: string): Schema | undefined {
  let cur: unknown = root;
  for (const raw of pointer.replace(/^#?\/?/, '').split('/').filter((s) => s !== '')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return isSchema(cur) ? cur : undefined;
}
