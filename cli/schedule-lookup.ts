import { ScheduleNotFoundError, type Client, type ScheduleHandle } from '@temporalio/client';

import type { ServerInfo } from '../worker/temporal-server';
import { UserError } from './user-error';

/** Ids of every schedule, sorted (the listing is eventually consistent: a just-created one may be missing). */
export async function scheduleIds(client: Client): Promise<string[]> {
  const ids: string[] = [];
  for await (const schedule of client.schedule.list()) ids.push(schedule.scheduleId);
  return ids.sort();
}

/** Runs `fn` on the schedule's handle; an unknown id becomes an error that names it and lists the existing ones. */
export async function withSchedule<T>(client: Client, id: string, fn: (handle: ScheduleHandle) => Promise<T>): Promise<T> {
  try {
    return await fn(client.schedule.getHandle(id));
  } catch (error) {
    if (!(error instanceof ScheduleNotFoundError)) throw error;
    const ids = (await scheduleIds(client)).filter((other) => other !== id);
    const existing = ids.length ? `existing schedules: ${ids.join(', ')}` : 'there are no schedules';
    throw new UserError(`no schedule "${id}"; ${existing}`, 'create one with `kiln schedule create FILE`; `kiln schedule list` shows them');
  }
}

/** Where the Temporal Web UI shows a schedule. */
export function scheduleUrl(server: ServerInfo, id: string): string {
  return `${server.uiUrl}/namespaces/${encodeURIComponent(server.namespace)}/schedules/${encodeURIComponent(id)}`;
}
