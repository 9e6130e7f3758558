// Cron expressions for schedules, checked here so a typo is refused at `kiln schedule create` with the field
// named, instead of coming back from the server as "malformed expression". Accepts what Temporal's parser
// accepts for 5 fields: lists, ranges, steps, month and weekday names, the @daily-style shortcuts, CRON_TZ=.

interface Field {
  name: string;
  min: number;
  max: number;
  /** Names accepted for values, matched by prefix (Temporal: months from 3 letters, weekdays from 2). */
  names?: { list: readonly string[]; minLength: number; first: number };
}

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

const FIELDS: readonly Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: { list: MONTHS, minLength: 3, first: 1 } },
  // 0 and 7 are both Sunday.
  { name: 'day-of-week', min: 0, max: 7, names: { list: WEEKDAYS, minLength: 2, first: 0 } },
];

export const CRON_SHORTCUTS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'] as const;

export const CRON_HINT =
  'a cron expression has 5 fields, minute hour day-of-month month day-of-week, in UTC unless prefixed with CRON_TZ=<zone>: ' +
  'e.g. "0 3 * * *" (03:00 daily), "*/15 * * * MON-FRI", or one of ' +
  CRON_SHORTCUTS.join(', ');

/** Why `expr` is not a cron expression kiln accepts, naming the bad field; undefined when it is fine. */
export function cronProblem(expr: string): string | undefined {
  let rest = expr.trim();
  const tz = /^(CRON_TZ|TZ)=(\S*)\s+(.*)$/.exec(rest);
  if (tz) {
    if (!isTimeZone(tz[2]!)) return `unknown time zone "${tz[2]}" (use an IANA name such as Europe/Paris or UTC)`;
    rest = tz[3]!.trim();
  }
  if (rest.startsWith('@every')) return '@every is not a cron expression here: use --every DURATION (or `every:` in the schedule block)';
  if (rest.startsWith('@')) {
    return (CRON_SHORTCUTS as readonly string[]).includes(rest) ? undefined : `unknown shortcut "${rest}"`;
  }
  const parts = rest.split(/\s+/).filter(Boolean);
  if (parts.length !== FIELDS.length) {
    return `expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`;
  }
  for (const [i, field] of FIELDS.entries()) {
    const problem = fieldProblem(parts[i]!, field);
    if (problem) return `${field.name} (field ${i + 1}): ${problem}`;
  }
  return undefined;
}

function fieldProblem(text: string, field: Field): string | undefined {
  for (const item of text.split(',')) {
    if (item === '') return `empty item in list "${text}"`;
    const [base, step, extra] = item.split('/');
    if (extra !== undefined) return `"${item}" has more than one "/"`;
    if (step !== undefined && !/^[1-9][0-9]*$/.test(step)) return `step "${step}" in "${item}" must be a positive integer`;
    if (base === '*') continue;
    const bounds = base!.split('-');
    if (bounds.length > 2) return `"${base}" is not a value or a range a-b`;
    const start = value(bounds[0]!, field);
    if (typeof start === 'string') return start;
    if (bounds.length === 2) {
      const end = value(bounds[1]!, field);
      if (typeof end === 'string') return end;
      if (end < start) return `range "${base}" ends before it starts`;
    }
  }
  return undefined;
}

/** A field value as a number, or why it is not one. */
function value(text: string, field: Field): number | string {
  if (/^[0-9]+$/.test(text)) {
    const n = Number(text);
    return n < field.min || n > field.max ? `${n} is out of range ${field.min}-${field.max}` : n;
  }
  const names = field.names;
  if (names && text.length >= names.minLength) {
    const i = names.list.findIndex((name) => name.startsWith(text.toLowerCase()));
    if (i >= 0) return i + names.first;
  }
  const allowed = names ? ` or a name like ${names.list[0]!.slice(0, 3).toUpperCase()}` : '';
  return `"${text}" is not a number ${field.min}-${field.max}${allowed}`;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone !== '';
  } catch {
    return false;
  }
}
