// The one-call schedule commands: pause, unpause, trigger, backfill, delete.
import type { ScheduleHandle } from '@temporalio/client';

import { connect } from './connect';
import { withSchedule } from './schedule-lookup';
import { parseInstant, parseOverlap, temporalOverlap } from './schedule-spec';
import { UserError } from './user-error';

async function onSchedule(id: string, fn: (handle: ScheduleHandle) => Promise<void>): Promise<void> {
  const kiln = await connect((line) => console.error(line));
  try {
    await withSchedule(kiln.client, id, fn);
  } finally {
    await kiln.close();
  }
}

export async function pauseSchedule(id: string, flags: { note?: string }): Promise<void> {
  const note = flags.note ?? `paused with kiln at ${new Date().toISOString()}`;
  await onSchedule(id, (handle) => handle.pause(note));
  console.log(`schedule ${id} paused (${note}); \`kiln schedule unpause ${id}\` resumes it`);
}

export async function unpauseSchedule(id: string, flags: { note?: string }): Promise<void> {
  const note = flags.note ?? `unpaused with kiln at ${new Date().toISOString()}`;
  await onSchedule(id, (handle) => handle.unpause(note));
  console.log(`schedule ${id} unpaused; runs start again at their next scheduled time`);
}

export async function triggerSchedule(id: string, flags: { overlap?: string }): Promise<void> {
  const overlap = parseOverlap(flags.overlap);
  // Without --overlap the schedule's own policy applies: `skip` ignores a trigger while a run is in progress.
  await onSchedule(id, (handle) => handle.trigger(overlap && temporalOverlap(overlap)));
  const policy = overlap ? `overlap ${overlap}` : "the schedule's overlap policy";
  console.log(`schedule ${id} triggered: a run starts now unless ${policy} holds it back; \`kiln schedule describe ${id}\` shows it`);
}

export async function backfillSchedule(id: string, flags: { from: string; to: string; overlap?: string }): Promise<void> {
  const now = new Date();
  const start = parseInstant('--from', flags.from, now);
  const end = parseInstant('--to', flags.to, now);
  if (end.getTime() <= start.getTime()) {
    throw new UserError(`--to ${end.toISOString()} is not after --from ${start.toISOString()}`, 'a backfill covers the times from --from to --to', 2);
  }
  const overlap = parseOverlap(flags.overlap);
  await onSchedule(id, (handle) => handle.backfill([{ start, end, ...(overlap ? { overlap: temporalOverlap(overlap) } : {}) }]));
  console.log(
    `schedule ${id}: backfill requested for ${start.toISOString()} – ${end.toISOString()}` +
      `${overlap ? ` (overlap ${overlap})` : ''}: one run per scheduled time in the window, even while paused`,
  );
}

export async function deleteSchedule(id: string): Promise<void> {
  await onSchedule(id, (handle) => handle.delete());
  console.log(`schedule ${id} deleted; the runs it started are kept (\`kiln list\` shows them)`);
}
