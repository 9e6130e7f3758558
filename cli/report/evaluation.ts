// Reads a bert/evaluate report leniently: the step writes accuracy, macro_f1, per-class scores and a confusion
// matrix, but a report from an older or newer version of the step should still give a page, not an error.
import type { Json } from '../../contract/json';
import type { ClassRow, EvaluationView } from './types';

type Obj = { [key: string]: Json };

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Headline metrics first, in this order; other top-level numbers follow in file order. */
const HEADLINE = ['accuracy', 'macro_f1', 'macro_precision', 'macro_recall', 'mlm_accuracy', 'perplexity', 'nsp_accuracy', 'loss'];
const NOT_METRICS = new Set(['examples', 'instances', 'num_labels', 'step', 'version']);

function headline(report: Obj): Array<{ name: string; value: number }> {
  const found = new Map<string, number>();
  for (const source of [report, isObj(report.metrics) ? report.metrics : {}]) {
    for (const [name, value] of Object.entries(source)) {
      const n = num(value);
      if (n !== undefined && !NOT_METRICS.has(name) && !found.has(name)) found.set(name, n);
    }
  }
  const ordered = [...HEADLINE.filter((n) => found.has(n)), ...[...found.keys()].filter((n) => !HEADLINE.includes(n))];
  return ordered.map((name) => ({ name, value: found.get(name)! }));
}

/** Label names: `labels` / `label_names` as a list, an id → name map or a name → id map. */
function labelNames(report: Obj): string[] | undefined {
  for (const key of ['labels', 'label_names']) {
    const value = report[key];
    if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) return value.map(String);
    if (isObj(value)) {
      const entries = Object.entries(value);
      if (entries.every(([, v]) => typeof v === 'number')) return entries.sort((a, b) => Number(a[1]) - Number(b[1])).map(([k]) => k);
      if (entries.every(([k, v]) => /^\d+$/.test(k) && typeof v === 'string')) return entries.sort((a, b) => Number(a[0]) - Number(b[0])).map(([, v]) => String(v));
    }
  }
  return undefined;
}

function isMatrix(v: unknown): v is number[][] {
  return Array.isArray(v) && v.length > 0 && v.every((row) => Array.isArray(row) && row.length === v.length && row.every((x) => num(x) !== undefined));
}

function confusion(report: Obj, labels: string[] | undefined): EvaluationView['confusion'] {
  for (const key of ['confusion', 'confusion_matrix']) {
    const value = report[key];
    if (isMatrix(value)) return { labels: nameAxis(labels, value.length), matrix: value };
    if (isObj(value) && isMatrix(value.matrix)) {
      const own = Array.isArray(value.labels) ? value.labels.map(String) : labels;
      return { labels: nameAxis(own, value.matrix.length), matrix: value.matrix };
    }
  }
  return undefined;
}

function nameAxis(labels: string[] | undefined, n: number): string[] {
  return labels?.length === n ? labels : Array.from({ length: n }, (_, i) => String(i));
}

function classRow(label: string, value: Obj): ClassRow {
  return { label, precision: num(value.precision), recall: num(value.recall), f1: num(value.f1), support: num(value.support) };
}

function classes(report: Obj, labels: string[] | undefined): ClassRow[] {
  const value = report.per_class ?? report.classes;
  if (Array.isArray(value)) {
    return value.filter(isObj).map((row, i) => classRow(typeof row.label === 'string' ? row.label : (labels?.[i] ?? String(i)), row));
  }
  if (isObj(value)) return Object.entries(value).flatMap(([label, row]) => (isObj(row) ? [classRow(label, row)] : []));
  return [];
}

function gate(report: Obj): { passed?: boolean; gate?: string } {
  const g = report.gate;
  const passed = typeof report.passed === 'boolean' ? report.passed : isObj(g) && typeof g.passed === 'boolean' ? g.passed : undefined;
  const summary = typeof g === 'string' ? g : isObj(g) && typeof g.summary === 'string' ? g.summary : undefined;
  return { ...(passed === undefined ? {} : { passed }), ...(summary === undefined ? {} : { gate: summary }) };
}

/** The page's view of an evaluation report; `undefined` when the JSON is not an object at all. */
export function evaluationView(step: string, report: unknown, digest?: string): EvaluationView | undefined {
  if (!isObj(report)) return undefined;
  const labels = labelNames(report);
  const matrix = confusion(report, labels);
  const rows = classes(report, labels ?? matrix?.labels);
  return {
    step,
    ...(digest ? { digest } : {}),
    metrics: headline(report),
    classes: rows,
    ...(matrix ? { confusion: matrix } : {}),
    ...gate(report),
  };
}
