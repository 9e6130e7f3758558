import { describe, expect, it } from 'vitest';

import { cronProblem } from '../../../cli/schedule-cron';

describe('cronProblem', () => {
  it.each([
    '0 3 * * *',
    '*/15 * * * MON-FRI',
    '0,30 9-17/2 1,15 jan-jun sun',
    '5/10 * * * *',
    '0 0 * * 7',
    '0 12 * FEB-MAR tu',
    '@daily',
    '@hourly',
    '@annually',
    'CRON_TZ=Europe/Paris 0 3 * * *',
    'TZ=UTC @weekly',
    '  0 3 * * *  ',
  ])('accepts %s', (expr) => {
    expect(cronProblem(expr)).toBeUndefined();
  });

  it.each([
    ['0 25 * * *', 'hour (field 2): 25 is out of range 0-23'],
    ['60 * * * *', 'minute (field 1): 60 is out of range 0-59'],
    ['0 0 0 * *', 'day-of-month (field 3): 0 is out of range 1-31'],
    ['0 0 * 13 *', 'month (field 4): 13 is out of range 1-12'],
    ['0 0 * * 8', 'day-of-week (field 5): 8 is out of range 0-7'],
    ['0 0 * JANX *', 'month (field 4): "JANX" is not a number 1-12 or a name like JAN'],
    ['0 0 * JA *', 'month (field 4): "JA" is not a number 1-12 or a name like JAN'],
    ['0 0 * * S', 'day-of-week (field 5): "S" is not a number 0-7 or a name like SUN'],
    ['*/0 * * * *', 'minute (field 1): step "0" in "*/0" must be a positive integer'],
    ['1/2/3 * * * *', 'minute (field 1): "1/2/3" has more than one "/"'],
    ['10-5 * * * *', 'minute (field 1): range "10-5" ends before it starts'],
    ['1-2-3 * * * *', 'minute (field 1): "1-2-3" is not a value or a range a-b'],
    ['1,,2 * * * *', 'minute (field 1): empty item in list "1,,2"'],
    ['0 ? * * *', 'hour (field 2): "?" is not a number 0-23'],
    ['0 3 * *', 'expected 5 fields (minute hour day-of-month month day-of-week), got 4'],
    ['0 0 3 * * *', 'expected 5 fields (minute hour day-of-month month day-of-week), got 6'],
    ['', 'expected 5 fields (minute hour day-of-month month day-of-week), got 0'],
    ['@nightly', 'unknown shortcut "@nightly"'],
    ['@every 5s', '@every is not a cron expression here: use --every DURATION (or `every:` in the schedule block)'],
    ['CRON_TZ=Mars/Olympus 0 3 * * *', 'unknown time zone "Mars/Olympus" (use an IANA name such as Europe/Paris or UTC)'],
  ])('refuses %j: %s', (expr, message) => {
    expect(cronProblem(expr)).toBe(message);
  });
});
