// The README's YAML reference, generated from schemas/: the pipeline file, step keys, built-in step options
// and one section per step type. Pure given its sources; `npm run docs` writes it, a unit test checks it.
import { basename } from 'node:path';
import type { AnySchemaObject } from 'ajv';
import { SCHEMAS_DIR, readSchemaFile } from './ajv';
import { loadCatalog, type Catalog, type OptionsSpec, type StepType } from './catalog';
import { BUILTIN_OPTIONS, GPU_TASK_QUEUE, TASK_QUEUE } from './options';
import { code, cell, schemaTable, tableBlocks, value, type TableContext } from './reference-schema';
import { describeRule } from './rules';
import { resolvePointer } from './schema-walk';

export const REFERENCE_START = '<!-- reference:start -->';
export const REFERENCE_END = '<!-- reference:end -->';
const GENERATED_NOTE = '<!-- generated from schemas/ by `npm run docs`: edit the schemas, not this section -->';

export interface ReferenceSources {
  pipelineSchema: AnySchemaObject;
  catalog: Pick<Catalog, 'types' | 'get'>;
  builtinOptions: OptionsSpec;
}

/** The repository's schemas/pipeline.schema.json, step catalog and built-in step options. */
export function loadReferenceSources(): ReferenceSources {
  return {
    pipelineSchema: readSchemaFile(`${SCHEMAS_DIR}pipeline.schema.json`),
    catalog: loadCatalog(),
    builtinOptions: BUILTIN_OPTIONS,
  };
}

/** The reference as markdown (no trailing newline); sections are `###` as it sits under the README's `## Pipelines`. */
export function renderReference(sources: ReferenceSources = loadReferenceSources()): string {
  const { pipelineSchema: root, catalog } = sources;
  const steps = catalog.types.map((t) => catalog.get(t)).filter((s): s is StepType => s !== undefined);
  const defs = {
    step: definition(root, 'step'),
    options: definition(root, 'options'),
  };
  const optionKeys = Object.keys(defs.options.properties ?? {}).map(code).join(', ');
  const ctx: TableContext = {
    root,
    refLabels: {
      '#/$defs/step': 'step ([Step keys](#step-keys))',
      '#/$defs/options': `step options: ${optionKeys} (as in [Step keys](#step-keys))`,
    },
  };
  const blocks = [
    '### Pipeline file',
    ...description(root),
    ...tableBlocks(schemaTable(root, ctx)),
    '### Step keys',
    `Each entry of ${code('steps')} maps a step id to a step:`,
    ...tableBlocks(schemaTable(defs.step, ctx)),
    ...optionDefaultsBlocks(sources, defs.options, ctx),
    ...stepTypeIndex(steps),
    ...steps.flatMap((s) => stepTypeBlocks(s, steps)),
  ];
  return blocks.join('\n\n');
}

function definition(root: AnySchemaObject, name: string): AnySchemaObject {
  const found = resolvePointer(root, `/$defs/${name}`);
  if (typeof found !== 'object') {
    throw new Error(`schemas/pipeline.schema.json has no $defs.${name}: the reference generator (compiler/reference.ts) renders it; restore it or update the generator`);
  }
  return found;
}

function description(schema: AnySchemaObject): string[] {
  return typeof schema.description === 'string' && schema.description !== '' ? [schema.description] : [];
}

function optionDefaultsBlocks(sources: ReferenceSources, options: AnySchemaObject, ctx: TableContext): string[] {
  const table = schemaTable(options, ctx);
  // The same keys as the options schema, with the built-in value where the schema default would be.
  for (const row of table.rows) {
    const builtin = row.path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], sources.builtinOptions);
    row.default = builtin === undefined ? 'none' : typeof builtin === 'object' ? '' : value(builtin);
  }
  return [
    '### Step options defaults',
    'Each activity option of a step comes, field by field, from the first of these that sets it: the step itself, ' +
      `the pipeline's ${code('defaults')}, the step type's default options (listed with each type below), ` +
      'then these built-in defaults.',
    ...tableBlocks(table, 'built-in'),
    `Steps run on task queue ${code(TASK_QUEUE)}; ${code('resources: { accelerator: gpu }')} sends a step to ` +
      `${code(GPU_TASK_QUEUE)} and ${code('resources.queue')} to any queue.`,
  ];
}

function stepTypeIndex(steps: StepType[]): string[] {
  if (steps.length === 0) return ['### Step types', 'No step types are defined in schemas/steps/.'];
  const lines = ['| type | outputs |', '|---|---|'];
  for (const s of steps) {
    const outputs = Object.entries(s.outputs).map(([name, o]) => `${code(name)} (${o.kind})`);
    lines.push(`| [${code(s.type)}](#${anchor(s.type)}) | ${cell(outputs.join(', '))} |`);
  }
  return ['### Step types', `Every ${code('uses:')} value, with the outputs it makes:`, lines.join('\n')];
}

/** GitHub's heading anchor: lowercase, punctuation other than `-` and `_` dropped, spaces as dashes. */
function anchor(heading: string): string {
  return heading.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

function stepTypeBlocks(step: StepType, all: StepType[]): string[] {
  const ctx: TableContext = { root: step.schema, artifactHint: (kind) => artifactHint(kind, all) };
  const file = `schemas/steps/${basename(step.file)}`;
  const inputs = tableBlocks(schemaTable(step.schema, ctx));
  return [
    `### ${code(step.type)}`,
    ...description(step.schema),
    `Schema: [${code(file)}](${file}), implementation version ${step.implementation}.`,
    `**Inputs** (${code('with')})`,
    ...(inputs.length > 0 ? inputs : ['None.']),
    ...(step.rules.length > 0 ? ['**Rules** (checked at compile time, with the schema)', step.rules.map((r) => `- ${describeRule(r)}`).join('\n')] : []),
    '**Outputs**',
    outputsTable(step),
    `**Default options:** ${optionsText(step.defaults)} ([precedence](#step-options-defaults))`,
  ];
}

function outputsTable(step: StepType): string {
  const entries = Object.entries(step.outputs);
  if (entries.length === 0) return 'None.';
  const lines = ['| output | kind | description |', '|---|---|---|'];
  for (const [name, o] of entries) lines.push(`| ${[code(name), code(o.kind), o.description ?? ''].map(cell).join(' | ')} |`);
  return lines.join('\n');
}

function optionsText(o: OptionsSpec): string {
  const parts: string[] = [];
  if (o.timeout !== undefined) parts.push(`timeout ${code(o.timeout)}`);
  if (o.heartbeat_timeout !== undefined) parts.push(`heartbeat_timeout ${code(o.heartbeat_timeout)}`);
  const retry = Object.entries(o.retry ?? {}).map(([k, v]) => `${k}: ${String(v)}`);
  if (retry.length > 0) parts.push(`retry ${code(retry.join(', '))}`);
  if (o.cache !== undefined) parts.push(`cache ${code(String(o.cache))}`);
  return parts.length > 0 ? parts.join(' · ') : 'none of its own';
}

/** Where an artifact of `kind` usually comes from: the outputs of that kind in the catalog. */
function artifactHint(kind: string | undefined, all: StepType[]): string {
  if (kind === undefined) return 'Usually `${{ steps.X.outputs.NAME }}`.';
  const byOutput = new Map<string, string[]>();
  for (const s of all) {
    for (const [name, o] of Object.entries(s.outputs)) if (o.kind === kind) byOutput.set(name, [...(byOutput.get(name) ?? []), code(s.type)]);
  }
  if (byOutput.size === 0) return `Usually ${code(`\${{ steps.X.outputs.${kind} }}`)}.`;
  const options = [...byOutput].map(([name, types]) => `${code(`\${{ steps.X.outputs.${name} }}`)} of a ${types.join(' or ')} step`);
  return `Usually ${options.join(', or ')}.`;
}

/** The text between README.md's reference markers; throws if they are missing or out of order. */
export function referenceSection(readme: string): string {
  const start = readme.indexOf(REFERENCE_START);
  const end = readme.indexOf(REFERENCE_END);
  if (start < 0 || end < start) {
    throw new Error(`README.md must contain ${REFERENCE_START} and, after it, ${REFERENCE_END} on lines of their own: the generated reference goes between them`);
  }
  return readme.slice(start + REFERENCE_START.length, end);
}

/** `readme` with the text between the markers replaced by `markdown`. */
export function withReference(readme: string, markdown: string): string {
  const old = referenceSection(readme);
  const at = readme.indexOf(REFERENCE_START) + REFERENCE_START.length;
  return `${readme.slice(0, at)}\n${GENERATED_NOTE}\n\n${markdown}\n\n${readme.slice(at + old.length)}`;
}
