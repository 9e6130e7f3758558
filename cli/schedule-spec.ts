// A pipeline's `schedule:` block plus command-line flags -> the checked settings of one Temporal Schedule.
import fs from 'node:fs/promises';

import type { ScheduleOptions, ScheduleOverlapPolicy, ScheduleSpec } from '@temporalio/client';

import { CompileError } from '../compiler/errors';
import { DURATION_EXAMPLES, formatDuration, parseDuration } from '../compiler/durations';
import { loadYaml } from '../compiler/load';
import type { Json } from '../contract/json';
import type { Plan } from '../compiler/types';
import { CRON_HINT, cronProblem } from './schedule-cron';
import { UserError } from './user-error';

export const OVERLAP_POLICIES = ['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'allow_all'] as const;
export type OverlapName = (typeof OVERLAP_POLICIES)[number];

/** When runs start and what happens when one is still running: exactly one of `cron` and `every`. */
export interface ScheduleSettings {
  cron?: string;
  /** As written (`2s`); kept for messages and the schedule memo. */
  every?: string;
  overlap: OverlapName;
  /** Unset: Temporal's default (one year). */
  catchupWindow?: string;
  pauseOnFailure: boolean;
}

// Temporal raises shorter catch-up windows to 10s without saying so; refusing them keeps the schedule honest.
const MIN_CATCHUP_MS = 10_000;
const CATCHUP_HINT = 'the catch-up window is how late a missed run may still start (after an outage); Temporal allows 10s or more';

export interface ScheduleFlags {
  cron?: string;
  every?: string;
  overlap?: string;
  catchupWindow?: string;
  pauseOnFailure?: boolean;
}

/**
 * The flags win over the pipeline's `schedule:` block (`--cron`/`--every` replace both `cron` and `every`).
 * Throws UserError (exit 2) for bad flags and CompileError (FILE:LINE:COL) for a bad cron in the file.
 */
export async function resolveScheduleSettings(plan: Plan, file: string, flags: ScheduleFlags): Promise<ScheduleSettings> {
  const block = (plan.schedule ?? {}) as { [key: string]: Json };
  if (flags.cron !== undefined && flags.every !== undefined) {
    throw new UserError('give --cron or --every, not both', 'a schedule has one kind of timing', 2);
  }
  const settings: ScheduleSettings = {
    overlap: parseOverlap(flags.overlap) ?? ((block.overlap as OverlapName | undefined) ?? 'skip'),
    pauseOnFailure: flags.pauseOnFailure ?? ((block.pause_on_failure as boolean | undefined) ?? false),
  };
  if (flags.catchupWindow !== undefined) {
    settings.catchupWindow = checkCatchupWindow('--catchup-window', flags.catchupWindow, MIN_CATCHUP_MS);
  } else if (typeof block.catchup_window === 'string') {
    if (parseDuration(block.catchup_window) < MIN_CATCHUP_MS) {
      throw await fileError(file, ['schedule', 'catchup_window'], `catchup_window ${block.catchup_window} is shorter than 10s`, CATCHUP_HINT);
    }
    settings.catchupWindow = block.catchup_window;
  }

  if (flags.cron !== undefined || flags.every !== undefined) {
    if (flags.cron !== undefined) settings.cron = checkCronFlag(flags.cron);
    else settings.every = checkEvery('--every', flags.every!);
    return settings;
  }
  if (typeof block.cron === 'string') {
    const problem = cronProblem(block.cron);
    if (problem) throw await fileError(file, ['schedule', 'cron'], `invalid cron "${block.cron}": ${problem}`, CRON_HINT);
    settings.cron = block.cron;
  } else if (typeof block.every === 'string') {
    const problem = everyProblem(parseDuration(block.every));
    if (problem) throw await fileError(file, ['schedule', 'every'], `every ${block.every} ${problem}`, EVERY_HINT);
    settings.every = block.every;
  } else {
    throw new UserError(
      `${file} has no schedule: block, and neither --cron nor --every was given`,
      'add `schedule: { cron: "0 3 * * *" }` to the pipeline, or pass --cron EXPR or --every DURATION',
      2,
    );
  }
  return settings;
}

function checkCronFlag(cron: string): string {
  const problem = cronProblem(cron);
  if (problem) throw new UserError(`--cron "${cron}": ${problem}`, CRON_HINT, 2);
  return cron.trim();
}

const EVERY_HINT = 'schedules start runs at whole seconds: use 1s or more, like 30s, 5m, 12h or 2d';

function everyProblem(ms: number): string | undefined {
  if (ms < 1000) return 'is shorter than 1s';
  if (ms % 1000 !== 0) return 'is not a whole number of seconds';
  return undefined;
}

function checkEvery(flag: string, text: string): string {
  const problem = everyProblem(durationFlag(flag, text));
  if (problem) throw new UserError(`${flag} ${text} ${problem}`, EVERY_HINT, 2);
  return text;
}

function checkCatchupWindow(flag: string, text: string, minMs: number): string {
  if (durationFlag(flag, text) < minMs) {
    throw new UserError(`${flag} ${text} is shorter than ${formatDuration(minMs)}`, CATCHUP_HINT, 2);
  }
  return text;
}

function durationFlag(flag: string, text: string): number {
  try {
    return parseDuration(text);
  } catch {
    throw new UserError(`${flag} "${text}" is not a duration`, `use an integer and a unit, like ${DURATION_EXAMPLES}`, 2);
  }
}

/** A `--overlap` flag's policy; undefined when the flag was not given. */
export function parseOverlap(name: string | undefined): OverlapName | undefined {
  if (name === undefined) return undefined;
  if ((OVERLAP_POLICIES as readonly string[]).includes(name)) return name as OverlapName;
  throw new UserError(`--overlap "${name}" is not an overlap policy`, `use one of ${OVERLAP_POLICIES.join(', ')}`, 2);
}

/** A problem in the pipeline file, positioned like the compiler's own diagnostics. */
async function fileError(file: string, path: string[], message: string, hint: string): Promise<CompileError> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return new CompileError([loadYaml(text, file).diagnostic(path, message, hint)]);
}

export function temporalOverlap(name: OverlapName): ScheduleOverlapPolicy {
  return name.toUpperCase() as ScheduleOverlapPolicy;
}

export function temporalSpec(settings: ScheduleSettings): ScheduleSpec {
  if (settings.cron !== undefined) return { cronExpressions: [settings.cron] };
  return { intervals: [{ every: parseDuration(settings.every!) }] };
}

export function temporalPolicies(settings: ScheduleSettings): NonNullable<ScheduleOptions['policies']> {
  return {
    overlap: temporalOverlap(settings.overlap),
    pauseOnFailure: settings.pauseOnFailure,
    ...(settings.catchupWindow ? { catchupWindow: parseDuration(settings.catchupWindow) } : {}),
  };
}

/** `every 2s` / `cron "0 3 * * *"`: the timing as the user wrote it. */
export function describeTiming(settings: Pick<ScheduleSettings, 'cron' | 'every'>): string {
  return settings.cron !== undefined ? `cron "${settings.cron}"` : `every ${settings.every}`;
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/** A `--from`/`--to` time: ISO 8601 (`2025-01-31T03:00:00Z`; no zone means UTC), `now`, or `now-DURATION`. */
export function parseInstant(flag: string, text: string, now: Date = new Date()): Date {
  const relative = /^now(?:-(.+))?$/.exec(text);
  if (relative) {
    if (relative[1] === undefined) return now;
    try {
      return new Date(now.getTime() - parseDuration(relative[1]));
    } catch {
      // falls through to the error below
    }
  } else if (ISO_INSTANT.test(text)) {
    const utc = /T/.test(text) && !/(Z|[+-]\d{2}:\d{2})$/.test(text) ? `${text}Z` : text;
    const date = new Date(utc);
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw new UserError(
    `${flag} "${text}" is not a time`,
    `use ISO 8601 (2025-01-31T03:00:00Z), now, or now-DURATION (now-2h; units ${DURATION_EXAMPLES})`,
    2,
  );
}
