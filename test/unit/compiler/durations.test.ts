import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../../compiler/durations';

describe('durations', () => {
  it('parses each unit to milliseconds', () => {
    expect(['500ms', '30s', '5m', '12h', '2d'].map(parseDuration)).toEqual([500, 30_000, 300_000, 43_200_000, 172_800_000]);
  });

  it('rejects anything else, saying what is allowed', () => {
    expect(() => parseDuration('5 min')).toThrow('invalid duration "5 min": use an integer and a unit, like 500ms, 30s, 5m, 12h or 2d');
    expect(() => parseDuration('1.5h')).toThrow('invalid duration');
  });

  it('formats milliseconds as the largest exact unit', () => {
    expect([1500, 30_000, 300_000, 5_400_000, 86_400_000].map(formatDuration)).toEqual(['1500ms', '30s', '5m', '90m', '1d']);
  });
});
