import path from 'node:path';

import type { Client, ScheduleDescription, ScheduleExecutionResult } from '@temporalio/client';

import { formatDuration } from '../compiler/durations';
import type { ServerInfo } from '../worker/temporal-server';
import { connect, runUrl } from './connect';
import { runStatus } from './list';
import type { ScheduleMemo } from './schedule-create';
import { scheduleUrl, withSchedule } from './schedule-lookup';
import { describeTiming } from './schedule-spec';

export interface RecentRun {
  runId: string;
  scheduledAt: string;
  takenAt: string;
  status: string;
  url: string;
}

/** `kiln schedule describe --json`. */
export interface ScheduleReport {
  id: string;
  paused: boolean;
  note?: string;
  pipeline?: string;
  file?: string;
  planHash?: string;
  cron?: string;
  every?: string;
  overlap: string;
  catchupWindow: string;
  pauseOnFailure: boolean;
  actionsTaken: number;
  skippedOverlap: number;
  missedCatchupWindow: number;
  /** Run ids started by the schedule that are still running. */
  running: string[];
  nextRuns: string[];
  /** Oldest first, as Temporal keeps them (the last 10). */
  recent: RecentRun[];
  url: string;
}

async function recentRun(client: Client, server: ServerInfo, action: ScheduleExecutionResult): Promise<RecentRun> {
  const { workflowId, firstExecutionRunId } = action.action.workflow;
  const status = await client.workflow
    .getHandle(workflowId, firstExecutionRunId)
    .describe()
    .then(runStatus, () => 'unknown');
  return {
    runId: workflowId,
    scheduledAt: action.scheduledAt.toISOString(),
    takenAt: action.takenAt.toISOString(),
    status,
    url: runUrl(server, workflowId),
  };
}

export async function scheduleReport(client: Client, server: ServerInfo, d: ScheduleDescription): Promise<ScheduleReport> {
  const memo = (d.memo ?? {}) as Partial<ScheduleMemo>;
  return {
    id: d.scheduleId,
    paused: d.state.paused,
    ...(d.state.note ? { note: d.state.note } : {}),
    pipeline: memo.pipeline,
    file: memo.file,
    planHash: memo.planHash,
    ...(memo.cron !== undefined ? { cron: memo.cron } : {}),
    ...(memo.every !== undefined ? { every: memo.every } : {}),
    overlap: (d.policies.overlap ?? 'SKIP').toLowerCase(), // unset means Temporal's default, skip
    catchupWindow: formatDuration(d.policies.catchupWindow),
    pauseOnFailure: d.policies.pauseOnFailure,
    actionsTaken: d.info.numActionsTaken,
    skippedOverlap: d.info.numActionsSkippedOverlap,
    missedCatchupWindow: d.info.numActionsMissedCatchupWindow,
    running: d.info.runningActions.map((a) => a.workflow.workflowId),
    nextRuns: d.info.nextActionTimes.map((t) => t.toISOString()),
    recent: await Promise.all(d.info.recentActions.map((a) => recentRun(client, server, a))),
    url: scheduleUrl(server, d.scheduleId),
  };
}

function text(r: ScheduleReport): string {
  const timing = r.cron !== undefined || r.every !== undefined ? describeTiming(r) : '(not created by kiln)';
  const file = r.file ? path.relative(process.cwd(), r.file) : '?';
  const lines = [
    `schedule ${r.id}  ${r.paused ? 'PAUSED' : 'active'}${r.note ? ` — ${r.note}` : ''}`,
    `  pipeline   ${r.pipeline ?? '?'}  ${file}  plan ${r.planHash?.slice(0, 12) ?? '?'}`,
    `  timing     ${timing}`,
    `  policy     overlap ${r.overlap}, catch-up window ${r.catchupWindow}, pause on failure ${r.pauseOnFailure ? 'yes' : 'no'}`,
    `  actions    ${r.actionsTaken} taken, ${r.skippedOverlap} skipped (overlap), ${r.missedCatchupWindow} missed (catch-up window)`,
    `  running    ${r.running.length ? r.running.join(', ') : '-'}`,
    `  next runs  ${r.paused ? '(paused)' : r.nextRuns.slice(0, 5).join(', ') || '-'}`,
    `  recent runs (oldest first):`,
    ...(r.recent.length ? r.recent.map((run) => `    ${run.scheduledAt}  ${run.status.padEnd(10)}  ${run.runId}`) : ['    -']),
    `  Temporal UI: ${r.url}`,
  ];
  return lines.join('\n');
}

export async function describeSchedule(id: string, flags: { json?: boolean }): Promise<void> {
  const kiln = await connect((line) => console.error(line));
  try {
    const description = await withSchedule(kiln.client, id, (handle) => handle.describe());
    const report = await scheduleReport(kiln.client, kiln.server, description);
    console.log(flags.json ? JSON.stringify(report, null, 2) : text(report));
  } finally {
    await kiln.close();
  }
}

export async function listSchedules(flags: { json?: boolean }): Promise<void> {
  const kiln = await connect((line) => console.error(line));
  try {
    const rows = [];
    for await (const s of kiln.client.schedule.list()) {
      const memo = (s.memo ?? {}) as Partial<ScheduleMemo>;
      rows.push({
        id: s.scheduleId,
        paused: s.state.paused,
        pipeline: memo.pipeline,
        timing: memo.cron !== undefined || memo.every !== undefined ? describeTiming(memo) : '?',
        nextRun: s.info.nextActionTimes[0]?.toISOString(),
      });
    }
    rows.sort((a, b) => a.id.localeCompare(b.id));
    if (flags.json) console.log(JSON.stringify(rows, null, 2));
    else if (rows.length === 0) console.log('no schedules (create one with `kiln schedule create FILE`)');
    else {
      const width = Math.max(8, ...rows.map((r) => r.id.length));
      console.log(`${'SCHEDULE'.padEnd(width)}  ${'STATE'.padEnd(6)}  ${'PIPELINE'.padEnd(20)}  ${'TIMING'.padEnd(20)}  NEXT RUN`);
      for (const r of rows) {
        const state = r.paused ? 'paused' : 'active';
        console.log(`${r.id.padEnd(width)}  ${state.padEnd(6)}  ${(r.pipeline ?? '?').padEnd(20)}  ${r.timing.padEnd(20)}  ${r.paused ? '-' : (r.nextRun ?? '-')}`);
      }
    }
  } finally {
    await kiln.close();
  }
}
