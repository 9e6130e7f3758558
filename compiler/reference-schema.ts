// One JSON Schema as reference tables for the README: a row per key (nested objects flattened to `a.b`,
// array items to `a[]`), each form of a oneOf/anyOf of objects as a table of its own, and notes for what a
// row cannot say. Generic on purpose: new step schemas must render without touching this file.
import type { AnySchemaObject } from 'ajv';
import { resolvePointer } from './schema-walk';

type Schema = AnySchemaObject;

export interface Row {
  /** Dotted path relative to the table's object: `model.hidden_size`, `sources[]`. */
  path: string;
  type: string;
  /** The schema default as inline code, `*required*`, or empty. */
  default: string;
  description: string;
}

export interface Form {
  /** `with \`url\``: the keys that pick this form, else its title, else its position. */
  label: string;
  description: string;
  table: SchemaTable;
}

export interface FormGroup {
  /** Full path of the value the forms describe (`sources[]`); empty for the table's own object. */
  at: string;
  /** oneOf (exactly one form matches) rather than anyOf (at least one). */
  exclusive: boolean;
  forms: Form[];
}

export interface SchemaTable {
  rows: Row[];
  notes: string[];
  groups: FormGroup[];
}

export interface TableContext {
  /** The document that local `#/...` refs resolve in. */
  root: Schema;
  /** Local refs shown as this text instead of being expanded (e.g. a link to another table). */
  refLabels?: Record<string, string>;
  /** Appended to an artifact input's description, e.g. where such an artifact usually comes from. */
  artifactHint?(kind: string | undefined): string;
  /** Named definitions already explained in a note; filled in as tables are built. */
  explained?: Set<string>;
}

const ARTIFACT_REF = /(^|\/)artifact\.schema\.json$/;
const ANNOTATIONS = new Set(['required', 'description', 'title', '$comment']);

/** The rows, notes and form groups of an object schema. */
export function schemaTable(schema: Schema, ctx: TableContext, origin = ''): SchemaTable {
  const table: SchemaTable = { rows: [], notes: [], groups: [] };
  addObject(merged(schema, ctx), '', { ctx, table, origin });
  return table;
}

interface Walk {
  ctx: TableContext;
  table: SchemaTable;
  /** Full path of this table's object, for naming form groups. */
  origin: string;
}

const join = (prefix: string, key: string): string => (prefix ? `${prefix}.${key}` : key);
const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

function addObject(s: Schema, prefix: string, w: Walk): void {
  const required = new Set<string>(Array.isArray(s.required) ? s.required : []);
  const props = isSchema(s.properties) ? s.properties : {};
  for (const [key, sub] of Object.entries(props)) if (isSchema(sub)) addKey(join(prefix, key), sub, required.has(key), w);
  addComposites(s, prefix, w);
}

function addKey(path: string, raw: Schema, required: boolean, w: Walk): void {
  const { ctx, table } = w;
  const label = typeof raw.$ref === 'string' ? ctx.refLabels?.[raw.$ref] : undefined;
  const term = label === undefined ? namedScalar(raw, ctx) : undefined;
  const s = label === undefined && term === undefined ? merged(raw, ctx) : raw;
  const artifact = typeof raw.$ref === 'string' && ARTIFACT_REF.test(raw.$ref);
  const kind = typeof raw['x-kiln-kind'] === 'string' ? raw['x-kiln-kind'] : undefined;
  let type = label ?? term?.name ?? typeText(s, ctx);
  let description = typeof s.description === 'string' ? s.description : '';
  if (artifact) {
    type = kind ? `artifact (kind \`${kind}\`)` : 'artifact';
    const hint = ctx.artifactHint?.(kind) ?? '';
    if (hint) description = description === '' ? hint : `${description}${/[.!?]$/.test(description) ? '' : '.'} ${hint}`;
  }
  // Each term is explained once per context (the pipeline's tables share one), under the first table using it.
  if (term && !(ctx.explained ??= new Set()).has(term.name)) {
    ctx.explained.add(term.name);
    table.notes.push(term.note);
  }
  table.rows.push({ path, type, default: defaultText(s, required), description });
  if (label !== undefined || term !== undefined || artifact) return;
  if (isSchema(s.properties)) addObject(s, path, w);
  else addComposites(s, path, w);
  if (isSchema(s.items)) {
    const items = merged(s.items, ctx);
    if (isSchema(items.properties)) addObject(items, `${path}[]`, w);
    else addComposites(items, `${path}[]`, w);
  }
}

/** A local ref to a named non-object definition (`#/$defs/duration`): shown by name, explained in a note. */
function namedScalar(raw: Schema, ctx: TableContext): { name: string; note: string } | undefined {
  const m = typeof raw.$ref === 'string' ? /^#\/(?:\$defs|definitions)\/([^/]+)$/.exec(raw.$ref) : null;
  if (!m) return undefined;
  const found = resolvePointer(ctx.root, raw.$ref.slice(1));
  if (!isSchema(found)) return undefined;
  const target = merged(found, ctx);
  if (target.type === 'object' || isSchema(target.properties) || target.type === 'array') return undefined;
  const explained = typeof target.description === 'string' ? `: ${target.description}` : '';
  return { name: m[1]!, note: `*${m[1]}*${explained}.`.replace(/\.\.$/, '.') };
}

/** oneOf/anyOf on an object: either "which keys must be set" or forms of their own. */
function addComposites(s: Schema, prefix: string, w: Walk): void {
  for (const kw of ['oneOf', 'anyOf'] as const) {
    const branches = Array.isArray(s[kw]) ? (s[kw] as unknown[]).filter(isSchema).map((b) => merged(b, w.ctx)) : [];
    if (branches.length === 0) continue;
    const exclusive = kw === 'oneOf';
    if (branches.every((b) => Array.isArray(b.required) && Object.keys(b).every((k) => ANNOTATIONS.has(k)))) {
      const choices = branches.map((b) => (b.required as string[]).map(code).join(' and ')).join(' or ');
      const where = prefix ? `${code(prefix)}: set` : 'Set';
      w.table.notes.push(`${where} ${exclusive ? 'exactly one' : 'at least one'} of ${choices}.`);
    } else if (branches.some((b) => isSchema(b.properties))) {
      const at = join(w.origin, prefix);
      const forms = branches.map((b, i) => ({
        label: formLabel(b, i),
        description: typeof b.description === 'string' ? b.description : '',
        table: schemaTable(b, w.ctx, at),
      }));
      w.table.groups.push({ at, exclusive, forms });
    }
  }
}

function formLabel(b: Schema, i: number): string {
  if (Array.isArray(b.required) && b.required.length > 0) return `with ${(b.required as string[]).map(code).join(' and ')}`;
  if (typeof b.title === 'string') return b.title;
  return `form ${i + 1}`;
}

/** Follows local $refs (keeping the referring schema's own keywords) and folds allOf into one object schema. */
function merged(schema: Schema, ctx: TableContext, depth = 0): Schema {
  let s = schema;
  if (typeof s.$ref === 'string' && s.$ref.startsWith('#') && depth < 32) {
    const target = resolvePointer(ctx.root, s.$ref.slice(1));
    const { $ref: _ref, ...own } = s;
    if (isSchema(target)) s = { ...merged(target, ctx, depth + 1), ...own };
  }
  if (Array.isArray(s.allOf)) {
    // Keys in reading order: each part's, then the schema's own.
    const { allOf, ...own } = s;
    const parts = [...(allOf as unknown[]).filter(isSchema).map((p) => merged(p, ctx, depth + 1)), own];
    const props = (p: Schema): Schema => (isSchema(p.properties) ? p.properties : {});
    const required = (p: Schema): string[] => (Array.isArray(p.required) ? p.required : []);
    s = { ...Object.assign({}, ...parts), properties: Object.assign({}, ...parts.map(props)), required: parts.flatMap(required) };
  }
  return s;
}

function typeText(s: Schema, ctx: TableContext): string {
  if ('const' in s) return `${value(s.const)} (fixed)`;
  // An artifact among the forms of a oneOf (a step taking two kinds): named like a plain artifact input.
  if (typeof s.$ref === 'string' && ARTIFACT_REF.test(s.$ref)) return typeof s['x-kiln-kind'] === 'string' ? `artifact (kind \`${s['x-kiln-kind']}\`)` : 'artifact';
  if (Array.isArray(s.enum)) return `one of ${s.enum.map(value).join(', ')}`;
  const union = (s.oneOf ?? s.anyOf) as unknown;
  const types: string[] = [s.type ?? []].flat();
  if (types.length === 0 && Array.isArray(union) && union.every((b) => isSchema(b) && !isSchema(b.properties))) {
    return union.filter(isSchema).map((b) => typeText(merged(b, ctx), ctx)).join(' or ');
  }
  if (types.length === 0) types.push(isSchema(s.properties) ? 'object' : isSchema(s.items) ? 'array' : 'any');
  const base = types.map((t) => (t === 'array' ? arrayText(s, ctx) : t === 'object' ? objectText(s, ctx) : t)).join(' or ');
  return [base, ...constraints(s)].join(', ');
}

function arrayText(s: Schema, ctx: TableContext): string {
  if (!isSchema(s.items)) return 'array';
  const items = merged(s.items, ctx);
  const branches = (items.oneOf ?? items.anyOf) as unknown;
  const objects = isSchema(items.properties) || (Array.isArray(branches) && branches.some((b) => isSchema(b) && isSchema(b.properties)));
  if (objects) return 'array of objects';
  const inner = typeText(items, ctx);
  return `array of ${/, | or /.test(inner) ? `(${inner})` : inner}`;
}

function objectText(s: Schema, ctx: TableContext): string {
  const values = s.additionalProperties;
  if (!isSchema(values)) return 'object';
  const label = typeof values.$ref === 'string' ? ctx.refLabels?.[values.$ref] : undefined;
  return `map of ${label ?? typeText(merged(values, ctx), ctx)}`;
}

function constraints(s: Schema): string[] {
  const out: string[] = [];
  const num = (kw: string, text: string): void => {
    if (typeof s[kw] === 'number') out.push(`${text} ${s[kw]}`);
  };
  num('minimum', '≥');
  num('exclusiveMinimum', '>');
  num('maximum', '≤');
  num('exclusiveMaximum', '<');
  num('multipleOf', 'multiple of');
  if (s.minLength === 1) out.push('non-empty');
  else num('minLength', 'length ≥');
  num('maxLength', 'length ≤');
  if (typeof s.format === 'string') out.push(`format ${s.format}`);
  if (typeof s.pattern === 'string') out.push(`pattern ${code(s.pattern)}`);
  num('minItems', 'items ≥');
  num('maxItems', 'items ≤');
  if (s.uniqueItems === true) out.push('no duplicates');
  if (isSchema(s.propertyNames) && typeof s.propertyNames.pattern === 'string') out.push(`keys match ${code(s.propertyNames.pattern)}`);
  num('minProperties', 'entries ≥');
  num('maxProperties', 'entries ≤');
  return out;
}

function defaultText(s: Schema, required: boolean): string {
  if (s.default !== undefined) return value(s.default);
  return required ? '*required*' : '';
}

/** A JSON value as inline code; strings without their quotes unless empty. */
export function value(v: unknown): string {
  return code(typeof v === 'string' && v !== '' ? v : JSON.stringify(v));
}

export function code(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

/** A table cell: one line, pipes escaped (GitHub also honours `\|` inside code spans in tables). */
export function cell(text: string): string {
  return text.replace(/\s*\r?\n\s*/g, ' ').replace(/\|/g, '\\|');
}

/** The table, its notes and its form groups as markdown blocks (joined by blank lines by the caller). */
export function tableBlocks(t: SchemaTable, defaultHeader = 'default'): string[] {
  const blocks: string[] = [];
  if (t.rows.length > 0) {
    const lines = [`| key | type | ${defaultHeader} | description |`, '|---|---|---|---|'];
    for (const r of t.rows) lines.push(`| ${[code(r.path), r.type, r.default, r.description].map(cell).join(' | ')} |`);
    blocks.push(lines.join('\n'));
  }
  blocks.push(...t.notes);
  for (const g of t.groups) {
    const subject = g.at === '' ? 'The object' : g.at.endsWith('[]') ? `Each item of ${code(g.at.slice(0, -2))}` : code(g.at);
    blocks.push(`${subject} takes ${g.exclusive ? 'exactly one' : 'one or more'} of these forms:`);
    for (const f of g.forms) {
      const name = g.at === '' ? f.label : `${code(g.at)} ${f.label}`;
      blocks.push(`**${name}**${f.description ? ` — ${f.description}` : ''}`);
      blocks.push(...tableBlocks(f.table, defaultHeader));
    }
  }
  return blocks;
}
