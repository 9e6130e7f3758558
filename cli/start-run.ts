import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';

import type { Client } from '@temporalio/client';
import { TypedSearchAttributes, type SearchAttributePair } from '@temporalio/common';

import type { Plan } from '../compiler/types';
import type { PipelineOptions } from '../workflows/pipeline';
import { KilnPipeline, KilnPlanHash, KilnResumedFrom, KilnStatus } from '../workflows/search-attributes';

/** Workflow ids read `<pipeline>-<8 base-36 chars>`: short enough to type, unique enough to never collide. */
export function newRunId(pipeline: string): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
  const id = [...randomBytes(8)].map((b) => alphabet[b % 36]).join('');
  return `${pipeline}-${id}`;
}

export interface StartOptions extends PipelineOptions {
  runId?: string;
  /** The queue for workflow tasks; steps name their own queues in the plan. */
  taskQueue?: string;
}

export async function startPipelineRun(client: Client, plan: Plan, options: StartOptions = {}): Promise<string> {
  const runId = options.runId ?? newRunId(plan.pipeline);
  const resumedFrom = options.resumedFrom?.[0];
  await client.workflow.start('pipelineWorkflow', {
    workflowId: runId,
    taskQueue: options.taskQueue ?? 'kiln',
    args: [plan, { noCache: options.noCache, resumedFrom: options.resumedFrom, reuse: options.reuse, cacheHits: options.cacheHits } satisfies PipelineOptions],
    memo: await runMemo(plan, resumedFrom),
    typedSearchAttributes: new TypedSearchAttributes(runSearchAttributes(plan, resumedFrom)),
  });
  return runId;
}

/** The memo every run carries (read by `kiln status` and the Temporal UI); schedules give their runs the same one. */
export async function runMemo(plan: Plan, resumedFrom?: string): Promise<Record<string, unknown>> {
  const source = await fs.readFile(plan.source.file, 'utf8').catch(() => '');
  return {
    pipeline: plan.pipeline,
    planHash: plan.planHash,
    params: plan.params,
    file: plan.source.file,
    source,
    steps: plan.steps.map((step) => ({ id: step.id, type: step.type })),
    resumedFrom: resumedFrom ?? null,
  };
}

/** The search attributes a run starts with (`kiln list` queries them); the workflow updates KilnStatus as it goes. */
export function runSearchAttributes(plan: Plan, resumedFrom?: string): SearchAttributePair[] {
  return [
    { key: KilnPipeline, value: plan.pipeline },
    { key: KilnPlanHash, value: plan.planHash },
    { key: KilnStatus, value: 'running' },
    ...(resumedFrom ? [{ key: KilnResumedFrom, value: resumedFrom }] : []),
  ];
}
