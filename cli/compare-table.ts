// The comparison itself, without I/O: which params to show, which metric ranks the runs, and the table and JSON
// that `kiln compare` prints.
import { canonicalJson } from '../compiler/canonical';
import type { Json } from '../contract/json';
import { higherIsBetter } from '../store/metrics-history-compare';
import type { CompareRun, CompareStep } from './compare-data';
import { duration } from './render';
import { UserError } from './user-error';

/** Params whose values differ between the runs (missing from some counts); every param with `all` or one run. */
export function shownParams(runs: CompareRun[], all = false): string[] {
  const names = [...new Set(runs.flatMap((run) => Object.keys(run.params)))];
  if (all || runs.length < 2) return names;
  const text = (value: Json | undefined): string => (value === undefined ? '(unset)' : canonicalJson(value));
  return names.filter((name) => new Set(runs.map((run) => text(run.params[name]))).size > 1);
}

/** Metric columns in first-seen order: evaluations before training metrics, as each run lists them. */
export function metricNames(runs: CompareRun[]): string[] {
  return [...new Set(runs.flatMap((run) => Object.keys(run.metrics)))];
}

/** Of a training log's numbers, the table shows these (JSON and `--all` show every one). */
const TABLE_TRAINING_METRICS = new Set(['loss', 'accuracy']);

/** The table's metric columns: every evaluation metric, training loss and accuracy, and the ranking metric. */
export function tableMetrics(runs: CompareRun[], ranking: Ranking | undefined, all = false): string[] {
  return metricNames(runs).filter((name) => all || isEvaluation(runs, name) || TABLE_TRAINING_METRICS.has(metricOf(name)) || name === ranking?.metric);
}

export interface Ranking {
  metric: string;
  higherIsBetter: boolean;
}

/**
 * The metric that orders the runs: `--metric` as a column name (`evaluate.accuracy`) or the end of exactly one
 * (`accuracy`); without it, the first evaluation metric, if any run has one.
 */
export function chooseMetric(runs: CompareRun[], wanted?: string): Ranking | undefined {
  const names = metricNames(runs);
  if (wanted === undefined) {
    const first = names.find((name) => isEvaluation(runs, name));
    return first ? { metric: first, higherIsBetter: higherIsBetter(metricOf(first)) } : undefined;
  }
  const matches = names.includes(wanted) ? [wanted] : names.filter((name) => name.endsWith(`.${wanted}`));
  if (matches.length === 1) return { metric: matches[0]!, higherIsBetter: higherIsBetter(metricOf(matches[0]!)) };
  if (matches.length > 1) throw new UserError(`--metric "${wanted}" names several metrics: ${matches.join(', ')}`, `name one of them in full, e.g. --metric ${matches[0]}`, 2);
  throw new UserError(
    `no run compared has a metric "${wanted}"`,
    names.length ? `the metrics there are: ${names.join(', ')}` : 'these runs have no evaluation report or training metrics',
    2,
  );
}

/** `evaluate.loss` → `loss`: loss-likeness is a property of the metric, not of the step. */
function metricOf(column: string): string {
  return column.slice(column.indexOf('.') + 1);
}

/** Whether a column comes from an evaluation report rather than a training log. */
function isEvaluation(runs: CompareRun[], column: string): boolean {
  return runs.some((run) => run.evaluationSteps.some((step) => column.startsWith(`${step}.`)));
}

/** Best first; runs without the metric last, in their given order. */
export function rankRuns(runs: CompareRun[], ranking: Ranking | undefined): CompareRun[] {
  if (!ranking) return [...runs];
  const value = (run: CompareRun): number | undefined => run.metrics[ranking.metric];
  return runs
    .map((run, index) => ({ run, index }))
    .sort((a, b) => {
      const va = value(a.run);
      const vb = value(b.run);
      if (va === undefined || vb === undefined) return (va === undefined ? 1 : 0) - (vb === undefined ? 1 : 0) || a.index - b.index;
      return (ranking.higherIsBetter ? vb - va : va - vb) || a.index - b.index;
    })
    .map(({ run }) => run);
}

/** Four significant digits: enough to rank by, short enough for a column. */
export function formatMetric(value: number | undefined): string {
  if (value === undefined) return '-';
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}

export function formatParam(value: Json | undefined): string {
  if (value === undefined) return '(unset)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** `950ms`, `4.2s`, `3m5s`: as `kiln list` and `kiln status` show durations. */
export function formatDuration(ms: number | undefined): string {
  return ms === undefined ? '-' : duration(new Date(0).toISOString(), new Date(ms).toISOString());
}

/** The table, runs in the order given: `*` marks the best (ties too) by the ranking metric. */
export function compareTable(runs: CompareRun[], params: string[], metrics: string[], ranking: Ranking | undefined): string {
  const best = ranking ? runs[0]?.metrics[ranking.metric] : undefined;
  const header = ['', 'RUN', ...params, 'STATUS', 'TOOK', ...metrics];
  const rows = runs.map((run) => [
    best !== undefined && run.metrics[ranking!.metric] === best ? '*' : '',
    run.runId,
    ...params.map((name) => formatParam(run.params[name])),
    run.status,
    formatDuration(run.durationMs),
    ...metrics.map((name) => formatMetric(run.metrics[name])),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export interface CompareJson {
  runId: string;
  params: { [name: string]: Json };
  status: string;
  durationMs: number | null;
  metrics: { [name: string]: number };
  steps: { [id: string]: CompareStep & { vs?: StepChangeJson } };
}

/** How a step of the second run differs from the first's (only on the second of two runs). */
export interface StepChangeJson {
  run: string;
  sameInputs: boolean;
  reasons: string[];
}

/** `--json`: the rows in table order, params filtered as in the table. */
export function compareJson(runs: CompareRun[], params: string[], changes?: { runId: string; steps: { [id: string]: StepChangeJson } }): CompareJson[] {
  return runs.map((run) => ({
    runId: run.runId,
    params: Object.fromEntries(params.flatMap((name) => (name in run.params ? [[name, run.params[name]!]] : []))),
    status: run.status,
    durationMs: run.durationMs ?? null,
    metrics: run.metrics,
    steps: Object.fromEntries(
      Object.entries(run.steps).map(([id, step]) => {
        const vs = changes?.runId === run.runId ? changes.steps[id] : undefined;
        return [id, vs ? { ...step, vs } : step];
      }),
    ),
  }));
}
