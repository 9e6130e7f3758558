// `kiln plan` of a sweep: every run's steps with what the cache will do, and which steps the runs share:
// a step with the same cache key as one in an earlier run of the grid runs once and is a cache hit after.
import { canonicalJson, sha256Hex } from '../compiler/canonical';
import { paramsText, type Sweep } from '../compiler/matrix';
import type { Json } from '../contract/json';
import type { Plan } from '../compiler/types';
import type { CachePreview } from './cache-preview';

export type GridStep =
  | { id: string; key: string | null; state: 'cached'; producer: string }
  | { id: string; key: string | null; state: 'will run'; reasons: string[] }
  /**
   * A step of the same type and inputs runs in an earlier run of the grid (1-based): a cache hit here. `as` names
   * it when it is another step of the pipeline (the cache knows steps by their inputs, not their ids).
   */
  | { id: string; key: string | null; state: 'runs once'; inRun: number; as?: string };

export interface GridRun {
  params: { [name: string]: Json };
  planHash: string;
  steps: GridStep[];
}

/** What a step will do, as `kiln plan` says it, for one plan or one run of a grid. */
export function cacheLine(preview: CachePreview | GridStep | undefined): string {
  if (!preview) return 'will run';
  if (preview.state === 'cached') return `cached (key ${(preview.key ?? '').slice(0, 12)}, from run ${preview.producer})`;
  if (preview.state === 'runs once') return `runs once, in run ${preview.inRun}${preview.as ? ` (as step "${preview.as}")` : ''}`;
  return preview.reasons.length ? `will run: ${preview.reasons.join('; ')}` : 'will run';
}

/**
 * Each run's steps. A step's identity in the grid is its cache key when the preview knows it; when an upstream step
 * will run, its outputs (and so the key) are not known yet, and the identity is its type and inputs with each
 * reference standing for the identity of the step it names: equal identities mean equal keys when the runs run.
 */
export async function previewGrid(
  sweep: Sweep,
  preview: (plan: Plan) => Promise<Map<string, CachePreview>>,
  options: { noCache?: boolean } = {},
): Promise<GridRun[]> {
  const firstRun = new Map<string, { run: number; id: string }>();
  const runs: GridRun[] = [];
  for (const [i, run] of sweep.runs.entries()) {
    const cache = await preview(run.plan);
    const identities = new Map<string, string>();
    const steps: GridStep[] = [];
    for (const step of run.plan.steps) {
      const p: CachePreview = cache.get(step.id) ?? { state: 'will run', reasons: [] };
      const identity = p.key ?? sha256Hex(canonicalJson({ type: step.type, inputs: withIdentities(step.inputs, identities) }));
      identities.set(step.id, identity);
      const key = p.key ?? null;
      if (p.state === 'cached') {
        steps.push({ id: step.id, key, state: 'cached', producer: p.producer });
        continue;
      }
      const shared = step.cache && !options.noCache ? firstRun.get(identity) : undefined;
      if (shared !== undefined) steps.push({ id: step.id, key, state: 'runs once', inRun: shared.run + 1, ...(shared.id !== step.id ? { as: shared.id } : {}) });
      else {
        if (step.cache && !options.noCache) firstRun.set(identity, { run: i, id: step.id });
        steps.push({ id: step.id, key, state: 'will run', reasons: p.reasons });
      }
    }
    runs.push({ params: sweep.runs[i]!.params, planHash: run.plan.planHash, steps });
  }
  return runs;
}

function withIdentities(value: Json, identities: Map<string, string>): Json {
  if (Array.isArray(value)) return value.map((v) => withIdentities(v, identities));
  if (value === null || typeof value !== 'object') return value;
  const ref = value.$ref as { step?: string; output?: string } | undefined;
  if (ref && typeof ref.step === 'string') return { $ref: { identity: identities.get(ref.step) ?? ref.step, output: ref.output ?? null } };
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withIdentities(v, identities)]));
}

/** `a, b and c run ...` / `a runs ...`: the verb agrees with the list. */
function clause(ids: string[], one: string, many: string): string {
  return `${ids.join(', ')} ${ids.length === 1 ? one : many}`;
}

/** What the grid shares, e.g. `4 runs; corpus, tokenizer run once and are cache hits in the other runs`. */
export function gridSummary(runs: GridRun[]): string {
  const n = runs.length;
  const head = `${n} run${n === 1 ? '' : 's'}`;
  if (n === 0) return head;
  const once: string[] = [];
  const cached: string[] = [];
  const some: string[] = [];
  for (const { id } of runs[0]!.steps) {
    const states = runs.map((r) => r.steps.find((s) => s.id === id)?.state);
    const executions = states.filter((s) => s === 'will run').length;
    if (states.every((s) => s === 'cached')) cached.push(id);
    else if (n > 1 && executions === 1) once.push(id);
    else if (executions > 1 && executions < n) some.push(`${id} runs ${executions} times`);
  }
  const parts = [
    cached.length ? clause(cached, 'is cached already', 'are cached already') : '',
    once.length ? clause(once, 'runs once and is a cache hit in the other runs', 'run once and are cache hits in the other runs') : '',
    ...some,
  ].filter(Boolean);
  return parts.length ? `${head}; ${parts.join('; ')}` : `${head}; every step runs in every run`;
}

export function gridText(sweep: Sweep, runs: GridRun[]): string {
  const types = new Map(sweep.runs[0]?.plan.steps.map((s) => [s.id, s.type]));
  const lines = [
    `pipeline ${sweep.pipeline}  sweep ${sweep.sweepHash}  ${runs.length} run${runs.length === 1 ? '' : 's'}, at most ${sweep.maxParallel} at once${sweep.failFast ? ', fail fast' : ''}`,
  ];
  runs.forEach((run, i) => {
    lines.push(`run ${i + 1}  ${paramsText(run.params)}  plan ${run.planHash.slice(0, 12)}`);
    lines.push(...run.steps.map((step) => `  ${step.id}  ${types.get(step.id) ?? ''}  ${cacheLine(step)}`));
  });
  lines.push(gridSummary(runs));
  return lines.join('\n');
}

export function gridJson(sweep: Sweep, runs: GridRun[]): Json {
  return {
    pipeline: sweep.pipeline,
    sweepHash: sweep.sweepHash,
    maxParallel: sweep.maxParallel,
    failFast: sweep.failFast,
    runs: runs as unknown as Json,
  };
}
