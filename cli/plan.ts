import type { Command } from 'commander';

import { compilePipelineFile } from '../compiler/compile';
import { formatDuration } from '../compiler/durations';
import type { Json, Plan, PlanStep } from '../compiler/types';
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

function stepLines(step: PlanStep): string[] {
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
    `      will run`,
  ];
}

export function planText(plan: Plan): string {
  const params = Object.entries(plan.params).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return [
    `pipeline ${plan.pipeline}  plan ${plan.planHash.slice(0, 12)}`,
    params.length ? `params ${params.join(' ')}` : 'params (none)',
    `${plan.steps.length} step${plan.steps.length === 1 ? '' : 's'}, in order:`,
    ...plan.steps.flatMap(stepLines),
  ].join('\n');
}

async function plan(file: string, options: { set?: Record<string, string>; json?: boolean }): Promise<void> {
  const compiled = await compilePipelineFile(file, { set: options.set });
  console.log(options.json ? JSON.stringify(compiled, null, 2) : planText(compiled));
}

export function registerPlanCommand(program: Command): void {
  program
    .command('plan')
    .description('compile a pipeline and show the steps it would run, in order, with their resolved inputs')
    .argument('<file>', 'pipeline YAML file')
    .option('--set <name=value>', 'override a param (repeatable)', collectSet)
    .option('--json', 'print the Plan as JSON')
    .action(plan);
}
