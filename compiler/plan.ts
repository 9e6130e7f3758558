// The Plan: steps in topological order with resolved inputs and options, and the plan's hash.
import type { AnalyzedStep } from './analyze';
import { canonicalJson, sha256Hex } from './canonical';
import { topologicalOrder } from './graph';
import type { Json } from '../contract/json';
import type { Plan, PlanStep } from './types';

export interface PlanParts {
  name: string;
  description?: string;
  params: { [name: string]: Json };
  /** Acyclic, in file order. */
  steps: AnalyzedStep[];
  schedule?: { [key: string]: Json };
  source: Plan['source'];
}

export function buildPlan(parts: PlanParts): Plan {
  const byId = new Map(parts.steps.map((s) => [s.id, s]));
  const order = topologicalOrder(parts.steps.map((s) => s.id), new Map(parts.steps.map((s) => [s.id, s.dependsOn])));
  const steps: PlanStep[] = order.map((id) => {
    const s = byId.get(id)!;
    return {
      id,
      type: s.type.type,
      inputs: s.inputs,
      dependsOn: s.dependsOn,
      outputs: Object.keys(s.type.outputs),
      options: s.options,
      cache: s.cache,
      position: s.position,
    };
  });
  const plan: Plan = {
    apiVersion: 'kiln/v1',
    pipeline: parts.name,
    ...(parts.description !== undefined ? { description: parts.description } : {}),
    params: parts.params,
    steps,
    planHash: '',
    source: parts.source,
    ...(parts.schedule !== undefined ? { schedule: parts.schedule } : {}),
  };
  plan.planHash = planHash(plan);
  return plan;
}

/**
 * sha256 of the canonical plan without `planHash`, `source` and step positions: where the pipeline
 * lives and how it is laid out (blank lines, comments, key order) do not change what it does.
 */
export function planHash(plan: Plan): string {
  const { planHash: _hash, source: _source, steps, ...rest } = plan;
  const hashed = { ...rest, steps: steps.map(({ position: _position, ...step }) => step) };
  return sha256Hex(canonicalJson(hashed as unknown as Json));
}
