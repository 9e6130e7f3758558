import type { Json } from '../contract/json';
import type { RunState } from './run-state';

function numbers(value: Json | undefined): Array<[string, number]> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value).filter((entry): entry is [string, number] => typeof entry[1] === 'number');
}

function format(name: string, n: number): string {
  return `${name} ${Number.isInteger(n) ? n : n.toFixed(4)}`;
}

/**
 * What a finished run produced that a person wants to see first: evaluation metrics, and for a deployed model
 * its endpoint with a curl line to try it. Read from the steps' outputs, whatever the pipeline.
 */
export function resultLines(run: RunState, uiUrl: string): string[] {
  const lines: string[] = [];
  for (const step of run.steps) {
    if (step.status !== 'succeeded' || !step.outputs) continue;
    if (step.type.startsWith('bert/evaluate@')) {
      const metrics = numbers(step.outputs.metrics).map(([k, v]) => format(k, v));
      if (metrics.length) lines.push(`${step.id}: ${metrics.join(', ')}`);
    }
    const endpoint = step.outputs.endpoint;
    if (typeof endpoint === 'string') {
      const body = endpoint.endsWith('/fill-mask') ? '{"texts":["The [MASK] of the union is strong."]}' : '{"texts":["What a wonderful film."]}';
      lines.push(`${step.id}: serving at ${endpoint}`);
      lines.push(`  try it:  curl -s -X POST ${endpoint} -H 'content-type: application/json' -d '${body}'`);
    }
  }
  lines.push(`inspect the run: ${uiUrl}  (or \`kiln status ${run.runId}\`, \`kiln report ${run.runId}\`)`);
  return lines;
}
