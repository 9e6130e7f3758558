// The report's charts as Vega-Lite specs, rendered to static SVG in Node (no browser, no script in the page).
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import type { Config, TopLevelSpec } from 'vega-lite';

import type { ClassRow, EvaluationView, MetricsRow } from './types';

export interface Chart {
  /** Stable name for the page and tests: loss, head-loss, accuracy, learning-rate, throughput, confusion, per-class. */
  id: string;
  title: string;
  spec: TopLevelSpec;
}

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

const CONFIG: Config = {
  font: FONT,
  background: 'white',
  padding: 8,
  view: { stroke: null },
  title: { fontSize: 14, fontWeight: 600, anchor: 'start', color: '#212529', offset: 10 },
  axis: { labelColor: '#495057', titleColor: '#495057', titleFontWeight: 500, gridColor: '#e9ecef', domainColor: '#adb5bd', tickColor: '#adb5bd', labelFontSize: 11, titleFontSize: 11 },
  legend: { labelColor: '#495057', titleColor: '#495057', labelFontSize: 11, orient: 'bottom', direction: 'horizontal', symbolStrokeWidth: 2 },
  range: { category: ['#1c7ed6', '#e8590c', '#2f9e44', '#ae3ec9', '#f59f00', '#0c8599', '#e64980', '#5c940d'] },
};

/** A line chart gets a dot per point while the dots stay distinct; past this it is lines only. */
const MAX_POINTS_PER_SERIES = 150;

interface CurveGroup {
  id: string;
  title: string;
  yTitle: string;
  match: (field: string) => boolean;
  domain?: [number, number];
  format?: string;
  /** One panel per metric, each with its own y scale. */
  facet?: boolean;
}

const CURVES: CurveGroup[] = [
  { id: 'loss', title: 'Loss', yTitle: 'loss', match: (f) => f === 'loss' },
  // The heads' losses differ by an order of magnitude from each other: apart from the total, both stay readable.
  { id: 'head-loss', title: 'Loss by head', yTitle: 'loss', match: (f) => /_loss$/.test(f), facet: true },
  { id: 'accuracy', title: 'Accuracy', yTitle: 'accuracy', match: (f) => /(^|_)accuracy$|(^|_)f1$/.test(f), domain: [0, 1] },
  { id: 'learning-rate', title: 'Learning rate', yTitle: 'learning rate', match: (f) => f === 'learning_rate', format: '.1e' },
  { id: 'throughput', title: 'Throughput', yTitle: 'per second', match: (f) => /_per_sec$/.test(f), format: '~s' },
];

interface Point {
  step: number;
  value: number;
  metric: string;
  split: string;
}

function points(rows: MetricsRow[], match: (field: string) => boolean): Point[] {
  const out: Point[] = [];
  for (const row of rows) {
    for (const [field, value] of Object.entries(row)) {
      if (field === 'step' || !match(field) || typeof value !== 'number' || !Number.isFinite(value)) continue;
      out.push({ step: row.step, value, metric: field, split: typeof row.split === 'string' ? row.split : 'train' });
    }
  }
  return out;
}

function curveSpec(group: CurveGroup, data: Point[]): TopLevelSpec {
  const perSeries = new Map<string, number>();
  for (const p of data) perSeries.set(`${p.metric}/${p.split}`, (perSeries.get(`${p.metric}/${p.split}`) ?? 0) + 1);
  const dots = Math.max(...perSeries.values()) <= MAX_POINTS_PER_SERIES;
  const splits = [...new Set(data.map((p) => p.split))].sort((a, b) => (a === 'train' ? -1 : b === 'train' ? 1 : a.localeCompare(b)));
  const metrics = new Set(data.map((p) => p.metric)).size;
  const unit = {
    mark: { type: 'line' as const, strokeWidth: 2, point: dots ? { filled: true, size: 30 } : false },
    encoding: {
      x: { field: 'step', type: 'quantitative' as const, title: 'step', axis: { tickMinStep: 1 } },
      y: {
        field: 'value',
        type: 'quantitative' as const,
        // One throughput field (tokens_per_sec, examples_per_sec) names its own unit.
        title: metrics === 1 && group.id === 'throughput' ? data[0]!.metric.replace(/_per_sec$/, ' / s') : group.yTitle,
        scale: group.domain ? { domain: group.domain } : { zero: false },
        ...(group.format ? { axis: { format: group.format } } : {}),
      },
      color: { field: 'metric', type: 'nominal' as const, title: null },
      strokeDash: {
        field: 'split',
        type: 'nominal' as const,
        title: null,
        scale: { domain: splits, range: splits.map((s) => (s === 'train' ? [1, 0] : [6, 3])) },
        legend: { symbolType: 'stroke', encode: { symbols: { update: { stroke: { value: '#495057' }, strokeWidth: { value: 2 } } } } },
      },
    },
  };
  const top = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', config: CONFIG, title: group.title, data: { values: data } };
  if (group.facet && metrics > 1) {
    const width = Math.floor((400 - 40 * (metrics - 1)) / metrics);
    return {
      ...top,
      facet: { column: { field: 'metric', type: 'nominal', title: null, header: { labelFontSize: 12, labelColor: '#495057' } } },
      spec: { width, height: 200, ...unit },
      resolve: { scale: { y: 'independent' } },
    };
  }
  return { ...top, width: 400, height: 200, ...unit };
}

/** Curves of a metrics log: one chart per kind of metric that the log has. */
export function trainingCharts(rows: MetricsRow[]): Chart[] {
  return CURVES.flatMap((group) => {
    const data = points(rows, group.match);
    return data.length === 0 ? [] : [{ id: group.id, title: group.title, spec: curveSpec(group, data) }];
  });
}

export function confusionChart(confusion: NonNullable<EvaluationView['confusion']>): Chart {
  const { labels, matrix } = confusion;
  const values = matrix.flatMap((row, g) => row.map((count, p) => ({ gold: labels[g]!, predicted: labels[p]!, count })));
  const max = Math.max(1, ...values.map((v) => v.count));
  const cell = Math.max(28, Math.min(72, Math.floor(360 / labels.length)));
  const axis = { type: 'nominal' as const, sort: labels, axis: { labelAngle: 0, labelLimit: 120, ticks: false, domain: false } };
  return {
    id: 'confusion',
    title: 'Confusion matrix',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      config: CONFIG,
      title: 'Confusion matrix',
      width: cell * labels.length,
      height: cell * labels.length,
      data: { values },
      encoding: {
        x: { field: 'predicted', title: 'predicted', ...axis, axis: { ...axis.axis, orient: 'top' } },
        y: { field: 'gold', title: 'true label', ...axis },
      },
      layer: [
        { mark: { type: 'rect', stroke: 'white', strokeWidth: 2 }, encoding: { color: { field: 'count', type: 'quantitative', title: 'examples', scale: { scheme: 'blues', domainMin: 0 }, legend: { orient: 'right', direction: 'vertical', gradientLength: Math.max(60, cell * labels.length - 20) } } } },
        {
          mark: { type: 'text', fontSize: labels.length > 8 ? 10 : 13, fontWeight: 600 },
          encoding: { text: { field: 'count', type: 'quantitative' }, color: { condition: { test: `datum.count > ${max / 2}`, value: 'white' }, value: '#212529' } },
        },
      ],
    },
  };
}

export function perClassChart(classes: ClassRow[]): Chart | undefined {
  const values = classes.flatMap((c) =>
    (['precision', 'recall', 'f1'] as const).flatMap((metric) => (c[metric] === undefined ? [] : [{ label: c.label, metric, value: c[metric] }])),
  );
  if (values.length === 0) return undefined;
  return {
    id: 'per-class',
    title: 'Per-class precision, recall and F1',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      config: CONFIG,
      title: 'Per class',
      width: Math.max(240, Math.min(560, classes.length * 80)),
      height: 200,
      data: { values },
      mark: { type: 'bar', cornerRadiusEnd: 2 },
      encoding: {
        x: { field: 'label', type: 'nominal', title: null, sort: classes.map((c) => c.label), axis: { labelAngle: 0, labelLimit: 100 } },
        xOffset: { field: 'metric', sort: ['precision', 'recall', 'f1'] },
        y: { field: 'value', type: 'quantitative', title: null, scale: { domain: [0, 1] } },
        color: { field: 'metric', type: 'nominal', title: null, sort: ['precision', 'recall', 'f1'] },
      },
    },
  };
}

/** Static SVG of a Vega-Lite spec; rendering needs no DOM and loads nothing (the data is inline). */
export async function renderChart(chart: Chart): Promise<string> {
  // Warnings about a spec are for kiln's developers, not for someone writing a report.
  const compiled = vegaLite.compile(chart.spec, { logger: vega.logger(vega.Error) });
  const view = new vega.View(vega.parse(compiled.spec), { renderer: 'none', logLevel: vega.Error });
  try {
    const svg = await view.toSVG();
    // The page's CSS sizes charts; the viewBox keeps their proportions.
    return svg.replace('<svg ', `<svg role="img" aria-label="${chart.title.replace(/"/g, '&quot;')}" `);
  } finally {
    view.finalize();
  }
}
