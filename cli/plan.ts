import type { Command } from 'commander';

import { compilePipelineFile } from '../compiler/compile';
import { formatDuration } from '../compiler/durations';
import type { Json } from '../contract/json';
import type { Plan, PlanStep } from '../compiler/types';
import { previewCache, type CachePreview } from './cache-preview';
import { collectSet } from './options';

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

function cacheLine(preview: CachePreview | undefined): string {
  if (!preview) return 'will run';
  if (preview.state === 'cached') return `cached (key ${preview.key.slice(0, 12)}, from run ${preview.producer})`;
  return `will run: ${preview.reasons.join('; ')}`;
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

async function plan(file: string, options: { set?: Record<string, string>; json?: boolean; cache: boolean }): Promise<void> {
  const compiled = await compilePipelineFile(file, { set: options.set, checkFiles: true });
  const cache = await previewCache(compiled, { noCache: !options.cache });
  if (options.json) console.log(JSON.stringify({ ...compiled, cache: Object.fromEntries(cache) }, null, 2));
  else console.log(planText(compiled, cache));
}

export function registerPlanCommand(program: Command): void {
  program
    .command('plan')
    .description('compile a pipeline and show the steps it would run, in order, with their inputs and whether each is cached')
    .argument('<file>', 'pipeline YAML file')
    .option('--set <name=value>', 'override a param (repeatable)', collectSet)
    .option('--json', 'print the Plan as JSON (with a `cache` map: per step, cached or why it will run)')
    .option('--no-cache', 'show the plan as `kiln run --no-cache` would run it')
    .action(plan);
}
