// Entry points: pipeline YAML (a file or a string) -> a validated Plan, or every problem at once.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { analyzePipeline } from './analyze';
import { canonicalJson, sha256Hex } from './canonical';
import { loadCatalog, type Catalog } from './catalog';
import { CompileError, sortDiagnostics, type Diagnostic } from './errors';
import { loadYaml } from './load';
import { missingLocalFiles } from './local-files';
import { buildPlan } from './plan';
import { invalidUtf8 } from './utf8';
import type { Json } from '../contract/json';
import type { Plan } from './types';
import { validatePipelineShape } from './validate';

export interface CompileOptions {
  /** `--set name=value` overrides, values unparsed. */
  set?: Record<string, string>;
  /** Step types to compile against; default: the repo's schemas/steps. */
  catalog?: Catalog;
  /** Report local input files (`x-kiln-path` inputs) that do not exist: `validate` and `plan` do. */
  checkFiles?: boolean;
}

export interface CheckResult {
  /** Present exactly when there are no diagnostics. */
  plan?: Plan;
  diagnostics: Diagnostic[];
}

/** Compiles without throwing: the Plan, or every diagnostic sorted by position. */
export function checkPipelineSource(text: string, file: string, options: CompileOptions = {}, bytes?: Uint8Array): CheckResult {
  const yaml = loadYaml(text, file);
  if (yaml.value === undefined) return { diagnostics: sortDiagnostics(yaml.diagnostics) };
  const catalog = options.catalog ?? loadCatalog();
  const diagnostics = [...yaml.diagnostics, ...validatePipelineShape(yaml, yaml.value)];
  if (yaml.value === null) return { diagnostics: sortDiagnostics(diagnostics) };
  const analysis = analyzePipeline(yaml, yaml.value, catalog, options.set);
  diagnostics.push(...analysis.diagnostics);
  if (diagnostics.length > 0) return { diagnostics: sortDiagnostics(dedupe(diagnostics)) };

  const abs = resolve(file);
  if (options.checkFiles) {
    const missing = missingLocalFiles(yaml, analysis.steps, dirname(abs));
    if (missing.length > 0) return { diagnostics: sortDiagnostics(missing) };
  }
  const root = yaml.value as { [key: string]: Json };
  const plan = buildPlan({
    name: root.name as string,
    description: root.description as string | undefined,
    params: analysis.params,
    steps: analysis.steps,
    schedule: root.schedule as { [key: string]: Json } | undefined,
    source: { file: abs, dir: dirname(abs), sha256: sha256Hex(bytes ?? Buffer.from(text, 'utf8')) },
  });
  return { plan, diagnostics: [] };
}

export function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = canonicalJson(d as unknown as Json);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The Plan of pipeline text; throws CompileError with every problem. `file` names it in messages and in `source`. */
export async function compilePipelineSource(text: string, file: string, options: CompileOptions = {}): Promise<Plan> {
  return unwrap(checkPipelineSource(text, file, options));
}

export async function compilePipelineFile(file: string, options: CompileOptions = {}): Promise<Plan> {
  return unwrap(await checkPipelineFile(file, options));
}

/** Every problem in a pipeline file (none: it compiles). An unreadable file is a problem too. */
export async function validatePipelineFile(file: string, options: CompileOptions = {}): Promise<Diagnostic[]> {
  return (await checkPipelineFile(file, options)).diagnostics;
}

async function checkPipelineFile(file: string, options: CompileOptions): Promise<CheckResult> {
  const read = await readPipelineFile(file);
  if ('diagnostics' in read) return read;
  return checkPipelineSource(read.text, file, options, read.bytes);
}

/** A pipeline file's text and bytes, or why it cannot be compiled at all (unreadable, not UTF-8). */
export async function readPipelineFile(file: string): Promise<{ text: string; bytes: Buffer } | { diagnostics: Diagnostic[] }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    const message = `cannot read: ${(e as Error).message}`;
    return { diagnostics: [{ file, line: 0, col: 0, path: '', message }] };
  }
  const bad = invalidUtf8(bytes);
  if (bad) {
    const message = `not UTF-8: byte 0x${bad.byte.toString(16).padStart(2, '0')} at offset ${bad.offset} cannot be decoded`;
    return { diagnostics: [{ file, line: bad.line, col: bad.col, path: '', message, hint: 'save the file as UTF-8' }] };
  }
  return { text: bytes.toString('utf8'), bytes };
}

function unwrap(result: CheckResult): Plan {
  if (!result.plan) throw new CompileError(result.diagnostics);
  return result.plan;
}
