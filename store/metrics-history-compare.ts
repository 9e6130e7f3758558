// A new record against the best earlier one, metric by metric: how far it fell behind and whether that is within
// the allowed margin. Pure functions, shared by metrics/record@v1 (the gate) and `kiln metrics history` (the trend).
import type { HistoryRecord } from './metrics-history-types';

/** Loss-like metrics, where lower is better, unless the step says otherwise. */
const LOWER_IS_BETTER = /loss|perplexity|latency/;
/** Float noise (0.76 - 0.74 = 0.020000000000000018) must not fail a drop of exactly the margin. */
const EPSILON = 1e-9;

export function higherIsBetter(metric: string, overrides: { [metric: string]: boolean } = {}): boolean {
  return overrides[metric] ?? !LOWER_IS_BETTER.test(metric);
}

export interface BestValue {
  value: number;
  run: string;
  at: string;
}

/** The best value of `metric` among `records` (the earliest, on a tie); undefined when none has it. */
export function bestOf(records: HistoryRecord[], metric: string, higher: boolean): BestValue | undefined {
  let best: BestValue | undefined;
  for (const r of records) {
    const value = r.metrics[metric];
    if (value === undefined) continue;
    if (!best || (higher ? value > best.value : value < best.value)) best = { value, run: r.run, at: r.at };
  }
  return best;
}

export interface MetricComparison {
  value: number;
  higher_is_better: boolean;
  /** The best earlier value; null on the first record of this metric. */
  best: BestValue | null;
  /** The previous record's value; null on the first. */
  previous: number | null;
  /** How much worse than the best (negative: better than it); null without an earlier value. */
  drop: number | null;
  /** The allowed drop; null when the metric is recorded but not checked. */
  max_drop: number | null;
  /** False only for a checked metric that dropped more than max_drop. */
  passed: boolean;
}

export interface CompareOptions {
  /** metric → absolute drop allowed below the best earlier value; metrics not listed are not checked. */
  maxDrop: { [metric: string]: number };
  higherIsBetter: { [metric: string]: boolean };
}

/** Compares each of `metrics` with the best of `earlier` (the records before it, oldest first). */
export function compareWithBest(
  earlier: HistoryRecord[],
  metrics: { [metric: string]: number },
  options: CompareOptions,
): { [metric: string]: MetricComparison } {
  const result: { [metric: string]: MetricComparison } = {};
  for (const [metric, value] of Object.entries(metrics)) {
    const higher = higherIsBetter(metric, options.higherIsBetter);
    const best = bestOf(earlier, metric, higher);
    const previous = [...earlier].reverse().find((r) => r.metrics[metric] !== undefined)?.metrics[metric];
    const drop = best === undefined ? null : round(higher ? best.value - value : value - best.value);
    const maxDrop = options.maxDrop[metric] ?? null;
    result[metric] = {
      value,
      higher_is_better: higher,
      best: best ?? null,
      previous: previous ?? null,
      drop,
      max_drop: maxDrop,
      passed: maxDrop === null || drop === null || drop <= maxDrop + EPSILON,
    };
  }
  return result;
}

/** `accuracy 0.71 is 0.05 below the best recorded 0.76 (run X at T); allowed drop 0.02` */
export function regressionMessage(metric: string, c: MetricComparison): string {
  const where = c.best ? ` (${c.higher_is_better ? '' : 'lower is better; '}run ${c.best.run} at ${c.best.at})` : '';
  const side = c.higher_is_better ? 'below' : 'above';
  return `${metric} ${c.value} is ${c.drop} ${side} the best recorded ${c.best?.value}${where}; allowed drop ${c.max_drop}`;
}

/** Six significant digits: enough for metrics, and no 0.04999999999999993 in messages. */
export function round(value: number): number {
  return Number(value.toPrecision(6));
}
