// The TypeScript types of every step type's `with`, generated from schemas/: what an activity receives once its
// inputs are validated and every default is filled in, so a key with a default is never optional. Pure given the
// schemas; `npm run gen:types` writes compiler/step-inputs.generated.ts and a unit test checks it is current.
import type { AnySchemaObject } from 'ajv';
import { SCHEMAS_DIR, readSchemaFile } from './ajv';
import { loadCatalog, type Catalog } from './catalog';

type Schema = AnySchemaObject;

const ARTIFACT_REF = /(^|\/)artifact\.schema\.json$/;
const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `bert/pretrain@v1` → `BertPretrainInputs`; versions after the first keep theirs: `BertPretrainV2Inputs`. */
export function inputsTypeName(type: string): string {
  const [name = '', version = ''] = type.split('@');
  const words = name.split(/[/-]/).map((w) => w.charAt(0).toUpperCase() + w.slice(1));
  return `${words.join('')}${version === 'v1' ? '' : version.toUpperCase()}Inputs`;
}

/** The generated file's text. */
export function renderStepInputTypes(catalog: Pick<Catalog, 'types' | 'get'> = loadCatalog()): string {
  const artifact = readSchemaFile(`${SCHEMAS_DIR}artifact.schema.json`);
  const blocks = [
    '// Generated from schemas/ by `npm run gen:types` (compiler/step-inputs-types.ts): edit the schemas, not this file.',
    "import type { Json } from '../contract/json';",
    [...doc(artifact.description, ''), `export type ArtifactRef = ${tsType(artifact, '')};`].join('\n'),
  ];
  const entries: Array<{ type: string; name: string }> = [];
  for (const type of catalog.types) {
    const step = catalog.get(type);
    if (!step) continue;
    const name = inputsTypeName(type);
    entries.push({ type, name });
    const defaulted = Object.entries(properties(step.schema)).filter(([, s]) => s.default !== undefined).map(([key]) => `'${key}'`);
    blocks.push([...doc(`${type}: ${step.schema.description ?? ''}`.trim(), ''), `export type ${name} = ${tsType(step.schema, '')};`].join('\n'));
    blocks.push(`/** The keys of ${type} that have defaults, as a step that sets none of them gets them. */\nexport type ${name.replace(/Inputs$/, 'Defaults')} = Pick<${name}, ${defaulted.join(' | ') || 'never'}>;`);
  }
  blocks.push(mapType('StepInputs', "Every step type's `with`, by type name.", entries, (e) => e.name));
  blocks.push(mapType('StepDefaults', "Every step type's defaulted keys, by type name.", entries, (e) => e.name.replace(/Inputs$/, 'Defaults')));
  return `${blocks.join('\n\n')}\n`;
}

function mapType(name: string, about: string, entries: Array<{ type: string; name: string }>, value: (e: { type: string; name: string }) => string): string {
  return [`/** ${about} */`, `export interface ${name} {`, ...entries.map((e) => `  '${e.type}': ${value(e)};`), '}'].join('\n');
}

function properties(s: Schema): Record<string, Schema> {
  return typeof s.properties === 'object' && s.properties !== null ? (s.properties as Record<string, Schema>) : {};
}

function doc(text: unknown, indent: string): string[] {
  return typeof text === 'string' && text !== '' ? [`${indent}/** ${text.replace(/\*\//g, '*\\/').replace(/\s*\n\s*/g, ' ')} */`] : [];
}

/** A composite branch that only names keys which must be set (`anyOf: [{ required: [corpus] }, ...]`). */
function onlyRequired(b: Schema): boolean {
  return Array.isArray(b.required) && Object.keys(b).every((k) => ['required', 'description', 'title'].includes(k));
}

function union(types: string[]): string {
  const distinct = [...new Set(types)];
  return distinct.length === 1 ? distinct[0]! : distinct.join(' | ');
}

/** The type of a value that passed `s`, defaults filled in; multi-line types close at `indent`. */
function tsType(s: Schema, indent: string): string {
  if (typeof s.$ref === 'string') {
    if (ARTIFACT_REF.test(s.$ref)) return 'ArtifactRef';
    throw new Error(`unsupported $ref "${s.$ref}": the type generator knows only ../artifact.schema.json`);
  }
  if ('const' in s) return literal(s.const);
  if (Array.isArray(s.enum)) return union(s.enum.map(literal));
  const branches = (s.oneOf ?? s.anyOf) as Schema[] | undefined;
  if (branches) {
    if (!branches.every(onlyRequired)) return union(branches.map((b) => tsType(b, indent)));
    // Which keys must be set: the object, and one of the picks with those keys required.
    const props = properties(s);
    const picks = branches.map((b) => `{ ${(b.required as string[]).map((k) => `${key(k)}: ${tsType(props[k] ?? {}, indent)}`).join('; ')} }`);
    return `${objectType(s, indent)} & (${picks.join(' | ')})`;
  }
  const types: string[] = [s.type ?? []].flat();
  if (types.length === 0) return s.properties || s.additionalProperties ? objectType(s, indent) : 'Json';
  return union(
    types.map((t) => {
      if (t === 'integer' || t === 'number') return 'number';
      if (t === 'array') return arrayType(s, indent);
      if (t === 'object') return objectType(s, indent);
      return t; // string, boolean, null
    }),
  );
}

function arrayType(s: Schema, indent: string): string {
  if (typeof s.items !== 'object' || s.items === null) return 'Json[]';
  const item = tsType(s.items as Schema, indent);
  return /^[A-Za-z]+$/.test(item) ? `${item}[]` : `Array<${item}>`;
}

function key(name: string): string {
  return PLAIN_KEY.test(name) ? name : literal(name);
}

/** A JSON value as a TypeScript literal type, strings in single quotes. */
function literal(v: unknown): string {
  return typeof v === 'string' ? `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : JSON.stringify(v);
}

function objectType(s: Schema, indent: string): string {
  const inner = `${indent}  `;
  const required = new Set<string>(Array.isArray(s.required) ? s.required : []);
  const lines: string[] = [];
  for (const [name, sub] of Object.entries(properties(s))) {
    lines.push(...doc(sub.description, inner));
    const optional = !required.has(name) && sub.default === undefined;
    lines.push(`${inner}${key(name)}${optional ? '?' : ''}: ${tsType(sub, inner)};`);
  }
  const extra = s.additionalProperties;
  if (typeof extra === 'object' && extra !== null) lines.push(`${inner}[key: string]: ${tsType(extra as Schema, inner)};`);
  else if (extra !== false) lines.push(`${inner}[key: string]: Json;`);
  return lines.length === 0 ? '{}' : `{\n${lines.join('\n')}\n${indent}}`;
}
