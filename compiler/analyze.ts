// The semantic pass over a parsed pipeline: params and --set, step types, expressions and references,
// needs, cycles, each step's inputs against its schema, and activity options. Collects every problem.
import type { Catalog, OptionsSpec, StepType } from './catalog';
import type { Diagnostic } from './errors';
import { hasExpression } from './expressions';
import { findCycles, type Edge } from './graph';
import { checkStepInputs } from './inputs';
import type { LoadedYaml, Position } from './load';
import { resolveOptions, type ResourcesSpec } from './options';
import { applyParamOverrides } from './params';
import type { Path } from './paths';
import { resolveWith, stepIds, type StepInfo } from './references';
import { MAX_CANDIDATES, byCloseness, didYouMean, nameList } from './suggest';
import type { Json } from '../contract/json';
import type { StepActivityOptions } from './types';

export interface AnalyzedStep {
  id: string;
  type: StepType;
  inputs: { [key: string]: Json };
  dependsOn: string[];
  options: StepActivityOptions;
  cache: boolean;
  position: Position;
}

export interface Analysis {
  params: { [name: string]: Json };
  /** Complete only when there are no diagnostics; in file order. */
  steps: AnalyzedStep[];
  diagnostics: Diagnostic[];
}

type JsonObject = { [key: string]: Json };

function asObject(v: Json | undefined): JsonObject | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
}

export function analyzePipeline(yaml: LoadedYaml, doc: Json, catalog: Catalog, set?: Record<string, string>): Analysis {
  const root = asObject(doc) ?? {};
  const diagnostics: Diagnostic[] = misplacedExpressions(yaml, root);
  const { params, diagnostics: setErrors } = applyParamOverrides(asObject(root.params) ?? {}, set);
  diagnostics.push(...setErrors);

  const rawSteps = asObject(root.steps) ?? {};
  const ids = Object.keys(rawSteps);
  const infos = new Map<string, StepInfo>();
  for (const id of ids) {
    const uses = asObject(rawSteps[id])?.uses;
    const type = typeof uses === 'string' ? catalog.get(uses) : undefined;
    infos.set(id, { id, type });
    if (typeof uses === 'string' && !type && /^[a-z][a-z0-9-]*\/[a-z][a-z0-9-]*@v[0-9]+$/.test(uses)) {
      const known = byCloseness(uses, catalog.types);
      diagnostics.push(yaml.diagnostic(['steps', id, 'uses'], `unknown step type "${uses}"`, `known step types: ${known.join(', ') || '(none)'}`));
    }
  }

  const edges: Edge[] = [];
  const steps: AnalyzedStep[] = [];
  for (const id of ids) {
    const step = asObject(rawSteps[id]);
    if (!step) continue;
    const withPath: Path = ['steps', id, 'with'];
    // A `with` that is not an object (even an empty `with:`) is a shape error; its inputs are not checked further.
    const rawWith = step.with === undefined ? {} : step.with;
    const resolved = asObject(rawWith) ? resolveWith(rawWith, withPath, { yaml, params, steps: infos, self: id }) : undefined;
    const own: Edge[] = [];
    if (resolved) {
      diagnostics.push(...resolved.diagnostics);
      own.push(...resolved.deps.map((d) => ({ from: id, to: d.step, path: d.path })));
    }
    own.push(...checkNeeds(yaml, id, step.needs, infos, diagnostics));
    edges.push(...own);

    const type = infos.get(id)!.type;
    if (!type || !resolved) continue;
    const checked = checkStepInputs({ yaml, catalog, stepType: type, path: withPath, resolved, steps: infos, self: id });
    diagnostics.push(...checked.diagnostics);
    const options = stepOptions(yaml, id, type, root.defaults, step, diagnostics);
    if (!checked.inputs || !options) continue;
    const dependsOn = [...new Set(own.map((e) => e.to))].sort();
    // A step's own `cache:` wins; a step type with side effects (deploy) defaults to false in its x-kiln.defaults.
    const cache = typeof step.cache === 'boolean' ? step.cache : (type.defaults.cache ?? true);
    steps.push({ id, type, inputs: checked.inputs, dependsOn, options, cache, position: yaml.locate(['steps', id], 'key') });
  }

  for (const cycle of findCycles(ids, edges)) {
    diagnostics.push(yaml.diagnostic(cycle.edge.path, `dependency cycle: ${cycleText(cycle.steps)}`,
      'each step here waits for the next one, so none can start: remove one of these references or needs'));
  }
  return { params, steps, diagnostics };
}

/** `a -> b -> c -> a`; a long cycle keeps its ends, so the message stays one readable line. */
function cycleText(steps: string[]): string {
  if (steps.length <= 12) return steps.join(' -> ');
  return [...steps.slice(0, 6), `... (${steps.length - 11} more)`, ...steps.slice(-5)].join(' -> ');
}

/** Valid `needs` entries become edges; unknown steps and self-dependencies are reported. */
function checkNeeds(yaml: LoadedYaml, id: string, needs: Json | undefined, infos: Map<string, StepInfo>, out: Diagnostic[]): Edge[] {
  if (!Array.isArray(needs)) return [];
  const edges: Edge[] = [];
  needs.forEach((name, i) => {
    if (typeof name !== 'string') return;
    const path: Path = ['steps', id, 'needs', i];
    if (name === id) out.push(yaml.diagnostic(path, `step "${id}" cannot need itself`));
    else if (!infos.has(name)) {
      const known = stepIds(infos);
      const others = known.length > MAX_CANDIDATES ? known : known.filter((k) => k !== id);
      out.push(yaml.diagnostic(path, `unknown step "${name}"${didYouMean(name, others)}`, `steps in this pipeline: ${nameList(known)}`));
    } else edges.push({ from: id, to: name, path });
  });
  return edges;
}

function stepOptions(yaml: LoadedYaml, id: string, type: StepType, defaults: Json | undefined, step: JsonObject, out: Diagnostic[]): StepActivityOptions | undefined {
  try {
    const resolved = resolveOptions([type.defaults, asObject(defaults) as OptionsSpec | undefined, step as OptionsSpec], asObject(step.resources) as ResourcesSpec | undefined);
    if ('options' in resolved) return resolved.options;
    out.push(yaml.diagnostic(['steps', id, ...(step.retry ? ['retry'] : [])], resolved.error, resolved.hint, 'key'));
  } catch {
    // A malformed duration or retry setting: already reported by the schema check.
  }
  return undefined;
}

/** `${{ }}` works only in step `with` values; anywhere else it would silently stay literal text. */
function misplacedExpressions(yaml: LoadedYaml, root: JsonObject): Diagnostic[] {
  const out: Diagnostic[] = [];
  const walk = (v: Json, path: Path): void => {
    if (path.length === 3 && path[0] === 'steps' && path[2] === 'with') return;
    if (typeof v === 'string') {
      if (hasExpression(v)) out.push(yaml.diagnostic(path, 'expressions are only allowed in step "with" values', 'params and step outputs can be used in a step\'s "with:" only'));
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(root, []);
  return out;
}
