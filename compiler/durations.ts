// Durations in pipeline files: an integer and a unit, `500ms`, `30s`, `5m`, `12h`, `2d`.

/** The pattern the pipeline schema uses for every duration (positive: Temporal treats 0 as "unset"). */
export const DURATION_PATTERN = '^[1-9][0-9]*(ms|s|m|h|d)$';

export const DURATION_EXAMPLES = '500ms, 30s, 5m, 12h or 2d';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a duration string; throws on anything else. */
export function parseDuration(s: string): number {
  const m = /^([0-9]+)(ms|s|m|h|d)$/.exec(s);
  if (!m) throw new Error(`invalid duration "${s}": use an integer and a unit, like ${DURATION_EXAMPLES}`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

/** The shortest exact spelling of a duration, for messages: 300000 -> `5m`. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = UNIT_MS[unit]!;
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
