import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { compilePipelineSource } from '../../../compiler/compile';
import { CompileError } from '../../../compiler/errors';
import { parseInstant, resolveScheduleSettings, temporalPolicies, temporalSpec, type ScheduleFlags } from '../../../cli/schedule-spec';
import { UserError } from '../../../cli/user-error';

const pipeline = (schedule: string) => `apiVersion: kiln/v1
kind: Pipeline
name: sched-unit
steps:
  corpus:
    uses: corpus/download@v1
    with:
      sources: [{ file: tiny.txt }]
${schedule}`;

/** Settings for a pipeline with this `schedule:` text (written to a file: positions in errors come from it). */
async function settings(schedule: string, flags: ScheduleFlags = {}) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-sched-unit-'));
  const file = path.join(dir, 'p.yaml');
  await fs.writeFile(file, pipeline(schedule));
  const plan = await compilePipelineSource(pipeline(schedule), file);
  return resolveScheduleSettings(plan, file, flags);
}

async function refusal(promise: Promise<unknown>): Promise<{ message: string; hint?: string; exitCode?: number }> {
  const error = await promise.then(
    () => expect.unreachable('expected a refusal'),
    (e: unknown) => e,
  );
  if (error instanceof CompileError) return { message: error.message };
  expect(error).toBeInstanceOf(UserError);
  const { message, hint, exitCode } = error as UserError;
  return { message, hint, exitCode };
}

describe('resolveScheduleSettings', () => {
  it("takes the pipeline's schedule block, with defaults", async () => {
    expect(await settings('schedule: { every: 2s }')).toEqual({ every: '2s', overlap: 'skip', pauseOnFailure: false });
    expect(await settings('schedule: { cron: "0 3 * * *", overlap: buffer_one, catchup_window: 10m, pause_on_failure: true }')).toEqual({
      cron: '0 3 * * *',
      overlap: 'buffer_one',
      catchupWindow: '10m',
      pauseOnFailure: true,
    });
  });

  it('lets flags override the block: --cron or --every replaces its timing', async () => {
    const block = 'schedule: { every: 2s, overlap: buffer_all }';
    expect(await settings(block, { cron: '@daily' })).toEqual({ cron: '@daily', overlap: 'buffer_all', pauseOnFailure: false });
    expect(await settings('schedule: { cron: "@daily" }', { every: '5m', overlap: 'allow_all', pauseOnFailure: true, catchupWindow: '1h' })).toEqual({
      every: '5m',
      overlap: 'allow_all',
      catchupWindow: '1h',
      pauseOnFailure: true,
    });
    expect(await settings('', { every: '30s' })).toEqual({ every: '30s', overlap: 'skip', pauseOnFailure: false });
  });

  it('refuses bad flags with exit status 2 and a hint', async () => {
    expect(await refusal(settings('', { cron: '@daily', every: '1s' }))).toMatchObject({ message: 'give --cron or --every, not both', exitCode: 2 });
    expect(await refusal(settings('', { cron: '0 3 * * * *' }))).toMatchObject({
      message: '--cron "0 3 * * * *": expected 5 fields (minute hour day-of-month month day-of-week), got 6',
      exitCode: 2,
    });
    expect(await refusal(settings('', { every: '2x' }))).toEqual({
      message: '--every "2x" is not a duration',
      hint: 'use an integer and a unit, like 500ms, 30s, 5m, 12h or 2d',
      exitCode: 2,
    });
    expect(await refusal(settings('', { every: '500ms' }))).toMatchObject({ message: '--every 500ms is shorter than 1s', exitCode: 2 });
    expect(await refusal(settings('', { every: '1500ms' }))).toMatchObject({ message: '--every 1500ms is not a whole number of seconds', exitCode: 2 });
    expect(await refusal(settings('', { every: '1s', overlap: 'terminate_other' }))).toMatchObject({
      message: '--overlap "terminate_other" is not an overlap policy',
      hint: 'use one of skip, buffer_one, buffer_all, cancel_other, allow_all',
      exitCode: 2,
    });
    expect(await refusal(settings('', { every: '1s', catchupWindow: '5s' }))).toMatchObject({ message: '--catchup-window 5s is shorter than 10s', exitCode: 2 });
  });

  it('refuses a pipeline without a schedule block when no timing flag is given', async () => {
    const { message, exitCode } = await refusal(settings(''));
    expect(message).toMatch(/p\.yaml has no schedule: block, and neither --cron nor --every was given$/);
    expect(exitCode).toBe(2);
  });

  it("points at the block's bad cron, every or catch-up window with FILE:LINE:COL", async () => {
    expect((await refusal(settings('schedule:\n  cron: "0 3 * * MOON"'))).message).toMatch(
      /p\.yaml:10:9 schedule\.cron: invalid cron "0 3 \* \* MOON": day-of-week \(field 5\): "MOON" is not a number 0-7 or a name like SUN$/m,
    );
    expect((await refusal(settings('schedule:\n  every: 500ms'))).message).toMatch(/p\.yaml:10:10 schedule\.every: every 500ms is shorter than 1s$/m);
    expect((await refusal(settings('schedule:\n  every: 1h\n  catchup_window: 1s'))).message).toMatch(
      /p\.yaml:11:19 schedule\.catchup_window: catchup_window 1s is shorter than 10s$/m,
    );
  });
});

describe('temporal options', () => {
  it('maps timing and policies to the SDK', () => {
    expect(temporalSpec({ every: '2s', overlap: 'skip', pauseOnFailure: false })).toEqual({ intervals: [{ every: 2000 }] });
    expect(temporalSpec({ cron: '@daily', overlap: 'skip', pauseOnFailure: false })).toEqual({ cronExpressions: ['@daily'] });
    expect(temporalPolicies({ every: '2s', overlap: 'buffer_all', catchupWindow: '10m', pauseOnFailure: true })).toEqual({
      overlap: 'BUFFER_ALL',
      pauseOnFailure: true,
      catchupWindow: 600_000,
    });
    expect(temporalPolicies({ every: '2s', overlap: 'cancel_other', pauseOnFailure: false })).toEqual({ overlap: 'CANCEL_OTHER', pauseOnFailure: false });
  });
});

describe('parseInstant', () => {
  const now = new Date('2025-06-01T12:00:00Z');

  it('reads ISO 8601, now and now-DURATION', () => {
    expect(parseInstant('--from', 'now', now)).toEqual(now);
    expect(parseInstant('--from', 'now-90s', now).toISOString()).toBe('2025-06-01T11:58:30.000Z');
    expect(parseInstant('--from', '2025-01-31T03:00:00Z', now).toISOString()).toBe('2025-01-31T03:00:00.000Z');
    expect(parseInstant('--from', '2025-01-31T03:00:00+02:00', now).toISOString()).toBe('2025-01-31T01:00:00.000Z');
    expect(parseInstant('--from', '2025-01-31T03:00', now).toISOString()).toBe('2025-01-31T03:00:00.000Z'); // UTC, not local time
    expect(parseInstant('--from', '2025-01-31', now).toISOString()).toBe('2025-01-31T00:00:00.000Z');
  });

  it.each(['yesterday', 'now-', 'now-2x', 'now+1h', '2025-13-45T00:00:00Z', '31/01/2025'])('refuses %j with exit status 2', (text) => {
    let error: unknown;
    try {
      parseInstant('--to', text, now);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe(`--to "${text}" is not a time`);
    expect((error as UserError).exitCode).toBe(2);
  });
});
