// A quality gate: lower bounds on score-like metrics (`min`), upper bounds on loss-like ones (`max`).
// A miss lists every failing metric with its value and bound, so the run's failure says how far off it was.

export interface GateSpec {
  min?: { [metric: string]: number };
  max?: { [metric: string]: number };
}

export interface GateMiss {
  metric: string;
  value: number;
  bound: 'min' | 'max';
  limit: number;
}

export interface GateResult {
  passed: boolean;
  misses: GateMiss[];
  /** `gate failed: accuracy 0.62 < min 0.8; perplexity 91.3 > max 50`, or `gate passed` / `no gate`. */
  summary: string;
}

/** Four significant digits: enough to compare against a bound, short enough to read. */
export function formatMetric(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(4))) : String(value);
}

/** Compares `metrics` with the gate. A missing or non-finite value misses its bound. */
export function checkGate(gate: GateSpec | undefined, metrics: { readonly [metric: string]: number }): GateResult {
  const misses: GateMiss[] = [];
  for (const [metric, limit] of Object.entries(gate?.min ?? {})) {
    const value = metrics[metric] ?? NaN;
    if (!(value >= limit)) misses.push({ metric, value, bound: 'min', limit });
  }
  for (const [metric, limit] of Object.entries(gate?.max ?? {})) {
    const value = metrics[metric] ?? NaN;
    if (!(value <= limit)) misses.push({ metric, value, bound: 'max', limit });
  }
  const bounds = Object.keys(gate?.min ?? {}).length + Object.keys(gate?.max ?? {}).length;
  if (misses.length === 0) return { passed: true, misses, summary: bounds === 0 ? 'no gate' : 'gate passed' };
  const parts = misses.map((m) => `${m.metric} ${formatMetric(m.value)} ${m.bound === 'min' ? '<' : '>'} ${m.bound} ${formatMetric(m.limit)}`);
  return { passed: false, misses, summary: `gate failed: ${parts.join('; ')}` };
}
