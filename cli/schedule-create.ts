import path from 'node:path';

import { ScheduleAlreadyRunning, type ScheduleOptions } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';

import { compilePipelineFile } from '../compiler/compile';
import type { Plan } from '../compiler/types';
import { connect } from './connect';
import { scheduleUrl } from './schedule-lookup';
import {
  describeTiming,
  resolveScheduleSettings,
  temporalPolicies,
  temporalSpec,
  type ScheduleFlags,
  type ScheduleSettings,
} from './schedule-spec';
import { runMemo, runSearchAttributes } from './start-run';
import { UserError } from './user-error';

export interface CreateFlags extends ScheduleFlags {
  id?: string;
  set?: Record<string, string>;
  paused?: boolean;
  note?: string;
}

/** What `kiln schedule describe` reads back from the schedule's memo. */
export interface ScheduleMemo {
  pipeline: string;
  file: string;
  planHash: string;
  params: Plan['params'];
  set: Record<string, string>;
  cron?: string;
  every?: string;
}

/**
 * Scheduled runs are `<pipeline>-sched-<time>` (Temporal appends the nominal time); a schedule whose id is not the
 * pipeline's name adds its id, so two schedules of one pipeline never start runs with the same id.
 */
export function scheduledWorkflowPrefix(pipeline: string, scheduleId: string): string {
  return scheduleId === pipeline ? `${pipeline}-sched` : `${pipeline}-sched-${scheduleId}`;
}

export async function scheduleOptions(id: string, plan: Plan, settings: ScheduleSettings, flags: CreateFlags): Promise<ScheduleOptions> {
  const memo: ScheduleMemo = {
    pipeline: plan.pipeline,
    file: plan.source.file,
    planHash: plan.planHash,
    params: plan.params,
    set: flags.set ?? {},
    ...(settings.cron !== undefined ? { cron: settings.cron } : { every: settings.every }),
  };
  return {
    scheduleId: id,
    spec: temporalSpec(settings),
    action: {
      type: 'startWorkflow',
      workflowType: 'pipelineWorkflow',
      workflowId: scheduledWorkflowPrefix(plan.pipeline, id),
      taskQueue: 'kiln',
      args: [plan, {}],
      memo: await runMemo(plan),
      typedSearchAttributes: new TypedSearchAttributes(runSearchAttributes(plan)),
    },
    policies: temporalPolicies(settings),
    memo: memo as unknown as Record<string, unknown>,
    state: { paused: flags.paused ?? false, ...(flags.note ? { note: flags.note } : {}) },
  };
}

const SCHEDULE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** Compiles first: a schedule of a pipeline that does not compile is refused now, not discovered at 3 a.m. */
export async function createSchedule(file: string, flags: CreateFlags): Promise<void> {
  const plan = await compilePipelineFile(file, { set: flags.set });
  const settings = await resolveScheduleSettings(plan, file, flags);
  const id = flags.id ?? plan.pipeline;
  if (!SCHEDULE_ID.test(id)) {
    throw new UserError(`--id "${id}" is not a schedule id`, 'use letters, digits, ".", "_" and "-", starting with a letter or digit', 2);
  }
  const kiln = await connect((line) => console.error(line));
  try {
    const options = await scheduleOptions(id, plan, settings, flags);
    const handle = await kiln.client.schedule.create(options).catch((error: unknown) => {
      if (error instanceof ScheduleAlreadyRunning) {
        throw new UserError(`schedule "${id}" already exists`, `delete it first (\`kiln schedule delete ${id}\`) or choose another --id`);
      }
      throw error;
    });
    const description = await handle.describe();
    const policy = `overlap ${settings.overlap}${settings.pauseOnFailure ? ', pauses on failure' : ''}`;
    console.log(`schedule ${id} created: ${describeTiming(settings)}, ${policy}${flags.paused ? ' (paused)' : ''}`);
    console.log(`  pipeline ${plan.pipeline} (${path.relative(process.cwd(), plan.source.file)}, plan ${plan.planHash.slice(0, 12)})`);
    const next = description.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString());
    if (next.length) console.log(`  next runs: ${next.join(', ')}`);
    console.log(`  Temporal UI: ${scheduleUrl(kiln.server, id)}`);
    if (!kiln.server.external) {
      console.log('  runs execute only while a worker polls: keep `kiln worker` running (the embedded server has none of its own)');
    }
  } finally {
    await kiln.close();
  }
}
