import type { Command } from 'commander';

import { compilePipelineFile } from '../compiler/compile';
import { compileSweepFile } from '../compiler/matrix';
import { formatDuration } from '../compiler/durations';
import type { Json } from '../contract/json';
import type { Plan, PlanStep } from '../compiler/types';
import { previewCache, type CachePreview } from './cache-preview';
import { collectMatrix, collectSet } from './options';
import { cacheLine, gridJson, gridText, previewGrid } from './plan-grid';

function compactInputs(inputs: { [key: string]: Json }): string {
  const text = JSON.stringify(inputs, (_key, value: Json) => {
    if (value && typeof value === 'object' && !Array.isArray(value) && '$ref' in value) {
      const ref = value.$ref as { step: string; output: string };
      return `<${ref.step}.${ref.output}>`;
    }
    return value;
  });
  return text.length > 100 ? text.slice(0, 97) + '...' : text;
}

function stepLines(step: PlanStep, preview: CachePreview | undefined): string[] {
  const o = step.options;
  const opts = [
    `queue ${o.taskQueue}`,
    `timeout ${formatDuration(o.startToCloseTimeoutMs)}`,
    o.heartbeatTimeoutMs ? `heartbeat ${formatDuration(o.heartbeatTimeoutMs)}` : '',
    `retry ${o.retry.maxAttempts}x`,
    step.cache ? '' : 'cache off',
  ].filter(Boolean);
  return [
    `  ${step.id}  ${step.type}${step.dependsOn.length ? `  after ${step.dependsOn.join(', ')}` : ''}`,
    `      ${opts.join(', ')}`,
    `      with ${compactInputs(step.inputs)}`,
    `      ${cacheLine(preview)}`,
  ];
}

export function planText(plan: Plan, cache: Map<string, CachePreview> = new Map()): string {
  const params = Object.entries(plan.params).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return [
    `pipeline ${plan.pipeline}  plan ${plan.planHash.slice(0, 12)}`,
    params.length ? `params ${params.join(' ')}` : 'params (none)',
    `${plan.steps.length} step${plan.steps.length === 1 ? '' : 's'}, in order:`,
    ...plan.steps.flatMap((step) => stepLines(step, cache.get(step.id))),
  ].join('\n');
}

interface PlanOptions {
  set?: Record<string, string>;
  matrix?: Record<string, string[]>;
  yes?: boolean;
  json?: boolean;
  cache: boolean;
}

async function plan(file: string, options: PlanOptions): Promise<void> {
  const sweep = await compileSweepFile(file, { set: options.set, matrix: options.matrix, yes: options.yes, checkFiles: true });
  if (sweep) {
    const runs = await previewGrid(sweep, (p) => previewCache(p, { noCache: !options.cache }), { noCache: !options.cache });
    console.log(options.json ? JSON.stringify(gridJson(sweep, runs), null, 2) : gridText(sweep, runs));
    return;
  }
  const compiled = await compilePipelineFile(file, { set: options.set, checkFiles: true });
  const cache = await previewCache(compiled, { noCache: !options.cache });
  if (options.json) console.log(JSON.stringify({ ...compiled, cache: Object.fromEntries(cache) }, null, 2));
  else console.log(planText(compiled, cache));
}

export function registerPlanCommand(program: Command): void {
  program
    .command('plan')
    .description('compile a pipeline and show the steps it would run, in order, with their inputs and whether each is cached; for a matrix, every run of the grid and the steps the runs share')
    .argument('<file>', 'pipeline YAML file')
    .option('--set <name=value>', 'override a param (repeatable)', collectSet)
    .option('--matrix <name=v1,v2>', 'sweep a param over these values, replacing its list in the file\'s matrix (repeatable)', collectMatrix)
    .option('--yes', 'allow a matrix of more than 256 runs')
    .option('--json', 'print the Plan as JSON (with a `cache` map: per step, cached or why it will run); for a matrix, {sweepHash, runs: [{params, steps: [{id, key, state}]}]}')
    .option('--no-cache', 'show the plan as `kiln run --no-cache` would run it')
    .action(plan);
}
