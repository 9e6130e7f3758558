// Resolves the expressions in one step's `with`: params are substituted, step outputs become
// references (and dependencies). Unknown params, steps and outputs, and self-references, are reported here.
import type { StepType } from './catalog';
import type { Diagnostic } from './errors';
import { hasExpression, paramText, parseExpressions, type Expression } from './expressions';
import type { LoadedYaml } from './load';
import type { Path } from './paths';
import { MAX_CANDIDATES, byCloseness, didYouMean, nameList } from './suggest';
import type { Json } from '../contract/json';
import type { OutputRef, OutputTemplate } from './types';

export interface StepInfo {
  id: string;
  /** undefined when `uses` names no known step type (reported elsewhere). */
  type?: StepType;
}

export interface ResolveEnv {
  yaml: LoadedYaml;
  params: { [name: string]: Json };
  steps: Map<string, StepInfo>;
  self: string;
}

/**
 * A value in `with` that is not plain data: `artifact`/`json` (a whole-value output reference),
 * `template` (text with references), `unknown` (an expression already reported as wrong).
 */
export interface Site {
  path: Path;
  kind: 'artifact' | 'json' | 'template' | 'unknown';
  /** The value for the Plan. */
  real?: OutputRef | OutputTemplate;
  /** For messages: `steps.ID.outputs.NAME`, or the template string as written. */
  expr?: string;
  /** The referenced output's kind (artifact and json sites). */
  outputKind?: string;
  /** A template whose text is unknown until run time (it holds a json output): its value is not checked. */
  opaque?: boolean;
}

export interface ResolvedWith {
  /** Params substituted; references replaced by placeholders of their kind: what the step schema validates. */
  check: Json;
  sites: Site[];
  /** Steps referenced, with where the reference is. */
  deps: Array<{ step: string; path: Path }>;
  diagnostics: Diagnostic[];
}

const idLists = new WeakMap<Map<string, StepInfo>, string[]>();

/** The step ids, listed once per pipeline: thousands of steps each in error must not be quadratic. */
export function stepIds(steps: Map<string, StepInfo>): string[] {
  let ids = idLists.get(steps);
  if (!ids) idLists.set(steps, (ids = [...steps.keys()]));
  return ids;
}

const ZEROS = '0'.repeat(64);
const RESERVED = ['$ref', '$template'];

/** What a reference to an artifact output looks like to the step schema. */
export function artifactPlaceholder(kind: string): Json {
  return { uri: `kiln://sha256/${ZEROS}`, kind, digest: `sha256:${ZEROS}`, bytes: 0, meta: {} };
}

function hasReservedKey(v: Json): boolean {
  if (Array.isArray(v)) return v.some(hasReservedKey);
  if (v === null || typeof v !== 'object') return false;
  return Object.entries(v).some(([k, x]) => RESERVED.includes(k) || hasReservedKey(x));
}

export function resolveWith(value: Json, path: Path, env: ResolveEnv): ResolvedWith {
  const out: ResolvedWith = { check: null, sites: [], deps: [], diagnostics: [] };
  const report = (p: Path, message: string, hint?: string) => out.diagnostics.push(env.yaml.diagnostic(p, message, hint));

  /** Checks one output reference; returns its kind when it names a known output. */
  const outputKind = (e: Extract<Expression, { kind: 'output' }>, p: Path): string | undefined => {
    if (e.step === env.self) {
      report(p, `step "${e.step}" cannot use its own output`, 'a step can only use outputs of other steps');
      return undefined;
    }
    const step = env.steps.get(e.step);
    if (!step) {
      const known = stepIds(env.steps);
      report(p, `unknown step "${e.step}"${didYouMean(e.step, known.length > MAX_CANDIDATES ? known : known.filter((k) => k !== env.self))}`, `steps in this pipeline: ${nameList(known)}`);
      return undefined;
    }
    out.deps.push({ step: e.step, path: p });
    if (!step.type) return undefined;
    const spec = step.type.outputs[e.output];
    if (spec) return spec.kind;
    const names = Object.keys(step.type.outputs);
    report(p, `step "${e.step}" has no output "${e.output}"${didYouMean(e.output, names)}`,
      `outputs of ${step.type.type}: ${names.length ? names.join(', ') : '(none)'}`);
    return undefined;
  };

  const param = (name: string, p: Path): Json | undefined => {
    if (Object.hasOwn(env.params, name)) return env.params[name]!;
    const names = Object.keys(env.params);
    report(p, `unknown param "${name}"${didYouMean(name, names)}`,
      names.length ? `params of this pipeline: ${nameList(byCloseness(name, names))}` : 'declare it under "params:" with a default value');
    return undefined;
  };

  const ref = (e: Extract<Expression, { kind: 'output' }>): OutputRef => ({ $ref: { step: e.step, output: e.output } });

  const resolveString = (s: string, p: Path): Json => {
    if (!hasExpression(s)) return s;
    const parsed = parseExpressions(s);
    if ('error' in parsed) {
      report(p, parsed.error, parsed.hint);
      out.sites.push({ path: p, kind: 'unknown' });
      return s;
    }
    const { parts } = parsed;
    if (parts.length === 1 && typeof parts[0] !== 'string') {
      const e = parts[0]!;
      if (e.kind === 'param') {
        const v = param(e.name, p);
        if (v === undefined) out.sites.push({ path: p, kind: 'unknown' });
        else if (hasReservedKey(v)) report(p, `param "${e.name}" holds a reserved key ("$ref" or "$template")`, 'params are plain data; step outputs are referred to with ${{ steps.ID.outputs.NAME }}');
        return v === undefined ? null : structuredClone(v);
      }
      const kind = outputKind(e, p);
      if (kind === undefined) out.sites.push({ path: p, kind: 'unknown' });
      else out.sites.push({ path: p, kind: kind === 'json' ? 'json' : 'artifact', real: ref(e), expr: `steps.${e.step}.outputs.${e.output}`, outputKind: kind });
      return kind === undefined || kind === 'json' ? null : artifactPlaceholder(kind);
    }
    // Text with expressions in it: params become text; outputs stay references inside a $template.
    const template: Array<string | OutputRef> = [];
    let display = '';
    let ok = true;
    let opaque = false;
    for (const part of parts) {
      let text: string;
      if (typeof part === 'string') text = part;
      else if (part.kind === 'param') {
        const v = param(part.name, p);
        if (v === undefined) ok = false;
        text = v === undefined ? part.text : paramText(v);
      } else {
        const kind = outputKind(part, p);
        if (kind === undefined) ok = false;
        if (kind === 'json') opaque = true;
        template.push(ref(part));
        display += part.text;
        continue;
      }
      display += text;
      const last = template[template.length - 1];
      if (typeof last === 'string') template[template.length - 1] = last + text;
      else template.push(text);
    }
    if (!ok) out.sites.push({ path: p, kind: 'unknown' });
    else if (template.some((t) => typeof t !== 'string')) {
      out.sites.push({ path: p, kind: 'template', real: { $template: template }, expr: s, opaque });
    }
    return display;
  };

  const walk = (v: Json, p: Path): Json => {
    if (typeof v === 'string') return resolveString(v, p);
    if (Array.isArray(v)) return v.map((item, i) => walk(item, [...p, i]));
    if (v === null || typeof v !== 'object') return v;
    const obj: { [key: string]: Json } = {};
    for (const [key, child] of Object.entries(v)) {
      if (RESERVED.includes(key)) {
        report([...p, key], `"${key}" is a reserved key`, "use ${{ steps.ID.outputs.NAME }} to refer to another step's output");
      } else if (hasExpression(key)) {
        report([...p, key], 'expressions are not allowed in keys', 'put the expression in the value instead');
      }
      Object.defineProperty(obj, key, { value: walk(child, [...p, key]), enumerable: true, writable: true, configurable: true });
    }
    return obj;
  };

  out.check = walk(value, path);
  return out;
}
