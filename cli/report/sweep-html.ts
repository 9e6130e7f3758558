// The sweep report page: one HTML file with inline CSS and inline SVG, like the run report (html.ts): the grid as a
// table coloured by the ranking metric, every run's training curves overlaid, and the metric against each param.
import { formatDuration, formatMetric, formatParam } from '../compare-table';
import { renderChart, type Chart } from './charts';
import { esc } from './escape';
import { reportPage } from './page';
import { REPORT_CSS } from './style';
import { curveCharts, paramsChart } from './sweep-charts';
import type { SweepReportData, SweepRun } from './sweep-types';

const SWEEP_CSS = `
table.grid td.ranked { font-weight: 600; }
table.grid td.run, .best-badge { white-space: nowrap; }
table.grid tr.best td { border-bottom-color: #8ce99a; }
.best-badge { display: inline-block; margin-right: 6px; padding: 0 8px; border-radius: 999px; background: #2b8a3e; color: white; font-size: 11px; font-weight: 700; }
.run-swatch { display: inline-block; width: 10px; height: 10px; border-radius: 3px; margin-right: 6px; vertical-align: baseline; }
`;

const pill = (status: string): string => `<span class="pill st-${esc(status.toLowerCase())}">${esc(status)}</span>`;

/** The runs whose ranking metric equals the best value (ties are all best, as `kiln compare` marks them). */
export function bestRuns(data: SweepReportData): Set<string> {
  const { ranking } = data;
  const best = ranking ? data.runs[0]?.run.metrics[ranking.metric] : undefined;
  if (!ranking || best === undefined) return new Set();
  return new Set(data.runs.filter((r) => r.run.metrics[ranking.metric] === best).map((r) => r.run.runId));
}

/** Worst red through yellow to best green, on the metric's range over the runs; 1 is best. */
export function shade(value: number, min: number, max: number, higherIsBetter: boolean): { t: number; color: string } {
  const t = max === min ? 1 : higherIsBetter ? (value - min) / (max - min) : (max - value) / (max - min);
  return { t, color: `hsl(${Math.round(t * 130)} 70% 85%)` };
}

function runLink(run: SweepRun): string {
  const id = `<code>${esc(run.run.runId)}</code>`;
  return `<span class="run-swatch" style="background:${esc(run.color)}"></span>${run.uiUrl ? `<a class="run-link" href="${esc(run.uiUrl)}" title="open this run in the Temporal UI">${id}</a>` : id}`;
}

function headerHtml(data: SweepReportData, best: Set<string>): string {
  const counts = new Map<string, number>();
  for (const { run } of data.runs) counts.set(run.status, (counts.get(run.status) ?? 0) + 1);
  const first = data.runs.find((r) => best.has(r.run.runId));
  const meta = (label: string, html: string): string => `<div><dt>${esc(label)}</dt><dd>${html}</dd></div>`;
  const title = data.sweepId ?? `${data.runs.length} runs`;
  return `<header>
<div class="eyebrow">kiln sweep report</div>
<h1><span>${esc(data.pipeline ?? title)}</span></h1>
<dl class="meta">
${data.sweepId ? meta('Sweep', `<code>${esc(data.sweepId)}</code>`) : ''}
${meta('Temporal UI', data.sweepUrl ? `<a href="${esc(data.sweepUrl)}">open this sweep ↗</a>` : '—')}
${meta('Runs', esc([...counts].map(([status, n]) => `${n} ${status}`).join(', ') || 'none'))}
${meta('Ranked by', data.ranking ? `<code>${esc(data.ranking.metric)}</code> (${data.ranking.higherIsBetter ? 'higher' : 'lower'} is better)` : 'no metric: the runs have no evaluation report')}
${meta('Best run', first && data.ranking ? `${runLink(first)} ${esc(formatMetric(first.run.metrics[data.ranking.metric]))}` : '—')}
</dl>
</header>`;
}

function gridHtml(data: SweepReportData, best: Set<string>): string {
  const { ranking } = data;
  const ranked = ranking ? data.runs.flatMap((r) => (r.run.metrics[ranking.metric] === undefined ? [] : [r.run.metrics[ranking.metric]!])) : [];
  const [min, max] = [Math.min(...ranked), Math.max(...ranked)];
  const head = ['', 'run', ...data.params, 'status', 'took'].map((h) => `<th>${esc(h)}</th>`).join('') + data.metrics.map((m) => `<th class="num">${esc(m)}</th>`).join('');
  const rows = data.runs.map((r) => {
    const isBest = best.has(r.run.runId);
    const metricCells = data.metrics.map((name) => {
      const value = r.run.metrics[name];
      if (name !== ranking?.metric || value === undefined) return `<td class="num" data-metric="${esc(name)}">${esc(formatMetric(value))}</td>`;
      const { t, color } = shade(value, min, max, ranking.higherIsBetter);
      return `<td class="num ranked" data-metric="${esc(name)}" data-shade="${t.toFixed(3)}" style="background:${color}">${esc(formatMetric(value))}</td>`;
    });
    return `<tr data-run-id="${esc(r.run.runId)}"${isBest ? ' class="best" data-best="true"' : ''}>
<td>${isBest ? '<span class="best-badge">★ best</span>' : ''}</td><td class="run">${runLink(r)}</td>${data.params
      .map((name) => `<td data-param="${esc(name)}"><code>${esc(formatParam(r.run.params[name]))}</code></td>`)
      .join('')}<td>${pill(r.run.status)}</td><td class="num">${esc(formatDuration(r.run.durationMs))}</td>${metricCells.join('')}</tr>`;
  });
  return `<section id="grid">
<h2>Runs</h2>
<p class="desc">One row per run, best first${ranking ? ` by <code>${esc(ranking.metric)}</code>, its cells coloured from worst (red) to best (green)` : ''}. Params shown are those that differ between the runs; each run id opens the run in the Temporal UI.</p>
<div class="table-wrap"><table class="grid"><thead><tr>${head}</tr></thead><tbody>
${rows.join('\n')}
</tbody></table></div>
</section>`;
}

async function figures(charts: Chart[]): Promise<string> {
  const svgs = await Promise.all(charts.map(renderChart));
  return `<div class="charts">${charts.map((c, i) => `<figure class="chart" data-chart="${esc(c.id)}">${svgs[i]}</figure>`).join('')}</div>`;
}

async function curvesHtml(data: SweepReportData): Promise<string> {
  const charts = curveCharts(data);
  if (charts.length === 0) return '';
  return `<section id="curves">
<h2>Training curves</h2>
<p class="desc">Every run's metrics log overlaid, one colour per run (the legend names its params); solid lines are training windows, dashed lines validation passes.</p>
${await figures(charts)}
</section>`;
}

async function paramsHtml(data: SweepReportData, best: Set<string>): Promise<string> {
  const chart = paramsChart(data, best);
  if (!chart) return '';
  return `<section id="params">
<h2>Params against ${esc(data.ranking!.metric)}</h2>
<p class="desc">One panel per param: each run's ${esc(data.ranking!.metric)} at its value of that param, the grey line through the mean at each value; the best run is a diamond.</p>
${await figures([chart])}
</section>`;
}

function notesHtml(data: SweepReportData): string {
  if (data.notes.length === 0) return '';
  return `<section id="notes"><h2>Notes</h2><ul class="notes">${data.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul></section>`;
}

export async function renderSweepReport(data: SweepReportData): Promise<string> {
  const best = bestRuns(data);
  const title = `${data.pipeline ?? 'runs'} · ${data.sweepId ?? `${data.runs.length} runs`} · kiln sweep report`;
  const sections = [headerHtml(data, best), gridHtml(data, best), await curvesHtml(data), await paramsHtml(data, best), notesHtml(data)];
  return reportPage(title, `${REPORT_CSS}${SWEEP_CSS}`, sections, data.generatedAt, 'kiln');
}
