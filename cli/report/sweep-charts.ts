// The sweep report's charts as Vega-Lite specs (rendered to SVG by charts.ts, like the run report's): every run's
// training curves overlaid, and one small panel per param of the ranking metric against that param's values.
import type { Config, TopLevelSpec } from 'vega-lite';

import type { Json } from '../../contract/json';
import { formatParam } from '../compare-table';
import type { Chart } from './charts';
import type { SweepReportData, SweepRun } from './sweep-types';
import type { MetricsRow } from './types';

/** Distinct at a glance for a dozen runs; past that colours repeat, and the legend and table still tell them apart. */
export const RUN_COLORS = ['#1c7ed6', '#e8590c', '#2f9e44', '#ae3ec9', '#f59f00', '#0c8599', '#e64980', '#5c940d', '#364fc7', '#c92a2a', '#087f5b', '#862e9c'];

const CONFIG: Config = {
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  background: 'white',
  padding: 8,
  view: { stroke: null },
  title: { fontSize: 14, fontWeight: 600, anchor: 'start', color: '#212529', offset: 10 },
  axis: { labelColor: '#495057', titleColor: '#495057', titleFontWeight: 500, gridColor: '#e9ecef', domainColor: '#adb5bd', tickColor: '#adb5bd', labelFontSize: 11, titleFontSize: 11 },
  legend: { labelColor: '#495057', titleColor: '#495057', labelFontSize: 11, orient: 'bottom', direction: 'vertical', columns: 2, labelLimit: 360, titleLimit: 360, symbolStrokeWidth: 2 },
};

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Each curve is drawn for loss and for every accuracy-like field (mlm_accuracy, nsp_accuracy, accuracy, macro_f1). */
const CURVE_FIELD = /^loss$|(^|_)accuracy$|(^|_)f1$/;

function numeric(row: MetricsRow, field: string): number | undefined {
  const value = row[field];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The run colour scale, the same in every chart: the legend lists the runs by their params. */
function runColor(runs: SweepRun[], params: string[]): object {
  return {
    field: 'run',
    type: 'nominal',
    title: params.length > 0 ? params.join(' × ') : 'run',
    scale: { domain: runs.map((r) => r.label), range: runs.map((r) => r.color) },
  };
}

/** One chart per training step and curve field, every run a line (validation passes dashed). */
export function curveCharts(data: SweepReportData): Chart[] {
  const fields: Array<{ step: string; field: string }> = [];
  for (const { training } of data.runs) {
    for (const log of training) {
      for (const row of log.rows) {
        for (const field of Object.keys(row)) {
          if (CURVE_FIELD.test(field) && numeric(row, field) !== undefined && !fields.some((f) => f.step === log.step && f.field === field)) fields.push({ step: log.step, field });
        }
      }
    }
  }
  return fields.map(({ step, field }) => {
    const values = data.runs.flatMap((run) =>
      run.training
        .filter((log) => log.step === step)
        .flatMap((log) => log.rows.flatMap((row) => {
          const value = numeric(row, field);
          return value === undefined ? [] : [{ step: row.step, value, run: run.label, split: typeof row.split === 'string' ? row.split : 'train' }];
        })),
    );
    const splits = [...new Set(values.map((v) => v.split))].sort((a, b) => (a === 'train' ? -1 : b === 'train' ? 1 : a.localeCompare(b)));
    const spec = {
      $schema: SCHEMA,
      config: CONFIG,
      title: `${step}: ${field}`,
      width: 420,
      height: 220,
      data: { values },
      // A run that logged once still shows: every point is drawn, the line joins them.
      mark: { type: 'line', strokeWidth: 2, point: { filled: true, size: 40 } },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'step', axis: { tickMinStep: 1 } },
        y: { field: 'value', type: 'quantitative', title: field, scale: { zero: false } },
        color: runColor(data.runs, data.params),
        detail: { field: 'split', type: 'nominal' },
        strokeDash: {
          field: 'split',
          type: 'nominal',
          title: null,
          scale: { domain: splits, range: splits.map((s) => (s === 'train' ? [1, 0] : [6, 3])) },
        },
      },
    } as TopLevelSpec;
    return { id: `curve:${step}:${field}`, title: `${step} ${field} of every run`, spec };
  });
}

/** Values of one param in a stable order: numbers ascending, anything else as first seen. */
function valueOrder(values: Array<Json | undefined>): Map<string, number> {
  const distinct = [...new Map(values.map((v) => [formatParam(v), v])).entries()];
  if (distinct.every(([, v]) => typeof v === 'number')) distinct.sort((a, b) => (a[1] as number) - (b[1] as number));
  return new Map(distinct.map(([text], i) => [text, i]));
}

/**
 * Small multiples: for each shown param, the ranking metric of every run at that param's value, the mean per value
 * joined by a grey line, the best run a diamond. Undefined without a ranking metric or a param that varies.
 */
export function paramsChart(data: SweepReportData, bestRunIds: Set<string>): Chart | undefined {
  const { ranking } = data;
  if (!ranking || data.params.length === 0) return undefined;
  const values = data.params.flatMap((param) => {
    const order = valueOrder(data.runs.map((r) => r.run.params[param]));
    return data.runs.flatMap((r) => {
      const metric = r.run.metrics[ranking.metric];
      const value = formatParam(r.run.params[param]);
      return metric === undefined ? [] : [{ param, value, order: order.get(value)!, metric, run: r.label, best: bestRunIds.has(r.run.runId) ? 'best' : 'other' }];
    });
  });
  if (values.length === 0) return undefined;
  const x = { field: 'value', type: 'ordinal', title: null, sort: { field: 'order', op: 'min' }, axis: { labelAngle: 0 } };
  const y = { field: 'metric', type: 'quantitative', title: ranking.metric, scale: { zero: false } };
  const spec = {
    $schema: SCHEMA,
    config: CONFIG,
    title: `${ranking.metric} by param (${ranking.higherIsBetter ? 'higher' : 'lower'} is better)`,
    data: { values },
    facet: { column: { field: 'param', type: 'nominal', title: null, sort: data.params, header: { labelFontSize: 12, labelColor: '#495057' } } },
    spec: {
      width: Math.max(160, Math.min(320, Math.floor(720 / data.params.length))),
      height: 200,
      layer: [
        { mark: { type: 'line', color: '#ced4da', strokeWidth: 2 }, encoding: { x, y: { ...y, aggregate: 'mean' } } },
        {
          mark: { type: 'point', filled: true, opacity: 0.9 },
          encoding: {
            x,
            y,
            color: runColor(data.runs, data.params),
            shape: { field: 'best', type: 'nominal', title: null, scale: { domain: ['best', 'other'], range: ['diamond', 'circle'] } },
            size: { field: 'best', type: 'nominal', legend: null, scale: { domain: ['best', 'other'], range: [220, 80] } },
          },
        },
      ],
    },
    resolve: { scale: { x: 'independent' } },
  } as TopLevelSpec;
  return { id: 'params', title: `${ranking.metric} against each param`, spec };
}
