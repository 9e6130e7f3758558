// A step's inputs: its resolved `with` validated against the step type's schema (references stand in
// as placeholders of their kind), defaults applied, cross-field rules checked, then references put back for the Plan.
import type { ErrorObject } from 'ajv';
import { translateAjvErrors } from './ajv-errors';
import type { Catalog, StepType } from './catalog';
import { typeNames } from './composites';
import type { Diagnostic } from './errors';
import type { LoadedYaml } from './load';
import { isUnder, type Path } from './paths';
import type { ResolvedWith, Site, StepInfo } from './references';
import { checkRules } from './rules';
import type { Json } from '../contract/json';

export interface InputsContext {
  yaml: LoadedYaml;
  catalog: Catalog;
  stepType: StepType;
  /** Where `with` is: steps.ID.with */
  path: Path;
  resolved: ResolvedWith;
  steps: Map<string, StepInfo>;
  self: string;
}

export interface CheckedInputs {
  inputs?: { [key: string]: Json };
  diagnostics: Diagnostic[];
}

export function checkStepInputs(ctx: InputsContext): CheckedInputs {
  const data = ctx.resolved.check ?? {};
  if (typeof data !== 'object' || Array.isArray(data)) return { diagnostics: [] }; // `with` itself is wrong: reported by the shape check
  const validate = ctx.stepType.validate;
  const valid = validate(data);
  const diagnostics = valid
    ? []
    : translateAjvErrors(validate.errors, {
        yaml: ctx.yaml,
        data,
        prefix: ctx.path,
        composites: { ajv: ctx.catalog.ajv, pointers: ctx.catalog.pointers },
        rewrite: (e, p) => rewrite(e, p, ctx),
      });
  if (diagnostics.length > 0) return { diagnostics };
  ctx.stepType.applyDefaults(data);
  const broken = checkRules(ctx.stepType.rules, data, (p) => isKnown([...ctx.path, ...p], ctx.resolved.sites));
  if (broken.length > 0) {
    return { diagnostics: broken.map((b) => ctx.yaml.diagnostic([...ctx.path, ...b.path], b.message, b.hint, b.at)) };
  }
  for (const site of ctx.resolved.sites) {
    if (site.real) setAt(data, site.path.slice(ctx.path.length), site.real as unknown as Json);
  }
  return { inputs: data, diagnostics };
}

function setAt(root: Json, path: Path, value: Json): void {
  let cur = root as Record<string | number, Json>;
  for (const seg of path.slice(0, -1)) cur = cur[seg] as Record<string | number, Json>;
  cur[path[path.length - 1]!] = value;
}

/** Whether the value at `path` is known before the run: not a reference, except an artifact reference's kind. */
function isKnown(path: Path, sites: Site[]): boolean {
  const site = siteOf(path, sites);
  if (!site) return true;
  return site.kind === 'artifact' && path.length === site.path.length + 1 && path[path.length - 1] === 'kind';
}

/** The innermost site that `path` lies in. */
function siteOf(path: Path, sites: Site[]): Site | undefined {
  let best: Site | undefined;
  for (const s of sites) if (isUnder(path, s.path) && (!best || s.path.length > best.path.length)) best = s;
  return best;
}

/** Where the pipeline has artifacts of `kind`, for hints. */
function sourcesOf(kind: string, ctx: InputsContext): string {
  const found: string[] = [];
  for (const [id, info] of ctx.steps) {
    if (id === ctx.self || !info.type) continue;
    for (const [name, spec] of Object.entries(info.type.outputs)) if (spec.kind === kind) found.push(`\${{ steps.${id}.outputs.${name} }}`);
  }
  return found.length ? `"${kind}" artifacts in this pipeline: ${found.join(', ')}` : `no step in this pipeline outputs a "${kind}" artifact`;
}

/** Messages for schema errors on references: the placeholder's fields are not what the user wrote. */
function rewrite(e: ErrorObject, path: Path, ctx: InputsContext): Diagnostic | null | undefined {
  const site = siteOf(path, ctx.resolved.sites);
  if (!site) return undefined;
  const exact = path.length === site.path.length;
  const at = (message: string, hint?: string) => ctx.yaml.diagnostic(site.path, message, hint);
  const wanted = e.keyword === 'x-kiln-kind' ? String(e.params.kind) : undefined;
  switch (site.kind) {
    case 'unknown':
      return null;
    case 'json':
      return wanted && exact ? at(`must be a "${wanted}" artifact, but ${site.expr} is a JSON value`, sourcesOf(wanted, ctx)) : null;
    case 'template':
      if (wanted && exact) {
        return at(`must be a "${wanted}" artifact, not text`, 'to pass an artifact, make the expression the whole value: "${{ steps.ID.outputs.NAME }}"');
      }
      return site.opaque ? null : undefined;
    case 'artifact':
      if (wanted) return at(`must be a "${wanted}" artifact, but ${site.expr} is a "${site.outputKind}" artifact`, sourcesOf(wanted, ctx));
      if (e.keyword === 'type' && exact) return at(`must be ${typeNames(e.params.type)}, but ${site.expr} is a "${site.outputKind}" artifact`);
      return at(`${site.expr} is a "${site.outputKind}" artifact, which cannot be used here`,
        'artifacts can only be passed to inputs that expect an artifact of their kind');
  }
}
