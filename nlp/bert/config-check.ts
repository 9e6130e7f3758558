// Small validators shared by the BERT and optimizer configs: unknown keys, integer and range checks.

/** A config value is wrong; the message names the key, the bad value and how to fix it. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = above;
    }
  }
  return row[b.length]!;
}

/** Throws on keys not in `known`, suggesting the closest known key. */
export function rejectUnknownKeys(what: string, given: object, known: readonly string[]): void {
  for (const key of Object.keys(given)) {
    if (known.includes(key)) continue;
    const best = [...known].sort((x, y) => editDistance(key, x) - editDistance(key, y))[0];
    const hint = best !== undefined && editDistance(key, best) <= 3 ? ` (did you mean '${best}'?)` : '';
    throw new ConfigError(`${what}: unknown key '${key}'${hint}; known keys: ${known.join(', ')}`);
  }
}

export function checkInteger(what: string, key: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new ConfigError(`${what}.${key}: must be an integer >= ${min} (got ${JSON.stringify(value)})`);
  }
  return value;
}

/** A finite number in [min, max) (or [min, max] when `maxInclusive`). */
export function checkNumber(
  what: string,
  key: string,
  value: unknown,
  range: { min: number; max?: number; minExclusive?: boolean; maxInclusive?: boolean },
): number {
  const { min, max = Infinity, minExclusive = false, maxInclusive = false } = range;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (minExclusive ? value > min : value >= min) &&
    (maxInclusive ? value <= max : value < max);
  if (!ok) {
    const lo = `${minExclusive ? '>' : '>='} ${min}`;
    const hi = max === Infinity ? '' : ` and ${maxInclusive ? '<=' : '<'} ${max}`;
    throw new ConfigError(`${what}.${key}: must be a number ${lo}${hi} (got ${JSON.stringify(value)})`);
  }
  return value;
}
