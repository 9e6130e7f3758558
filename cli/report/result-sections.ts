// The parts of the report that only some runs have: training curves, evaluation results, deployed versions.
// Each returns '' when the run has nothing for it, so a corpus-only run gets a page without empty sections.
import { confusionChart, perClassChart, renderChart, trainingCharts, type Chart } from './charts';
import { esc, formatNumber, formatTime } from './escape';
import type { DeploymentView, EvaluationView, MetricsRow, ReportData, TrainingLog } from './types';

function cards(items: Array<[string, number | string | undefined]>): string {
  const shown = items.filter((item): item is [string, number | string] => item[1] !== undefined);
  if (shown.length === 0) return '';
  return `<div class="cards">${shown
    .map(([k, v]) => `<div class="card"><div class="k">${esc(k)}</div><div class="v">${esc(typeof v === 'number' ? formatNumber(v) : v)}</div></div>`)
    .join('')}</div>`;
}

async function figures(charts: Chart[], step: string): Promise<string> {
  const svgs = await Promise.all(charts.map(renderChart));
  return `<div class="charts">${charts
    .map((c, i) => `<figure class="chart" data-chart="${esc(c.id)}" data-step="${esc(step)}">${svgs[i]}</figure>`)
    .join('')}</div>`;
}

const field = (row: MetricsRow | undefined, name: string): number | undefined => {
  const value = row?.[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
};

function trainingCards(rows: MetricsRow[]): string {
  const train = rows.filter((r) => (r.split ?? 'train') === 'train');
  const validation = rows.filter((r) => r.split === 'validation');
  const lastTrain = train[train.length - 1];
  const lastVal = validation[validation.length - 1];
  const speeds = train.map((r) => field(r, 'tokens_per_sec')).filter((v): v is number => v !== undefined);
  return cards([
    ['steps', Math.max(...rows.map((r) => r.step))],
    ['train loss', field(lastTrain, 'loss')],
    ['validation loss', field(lastVal, 'loss')],
    ['MLM accuracy (val)', field(lastVal, 'mlm_accuracy')],
    ['NSP accuracy (val)', field(lastVal, 'nsp_accuracy')],
    ['perplexity (val)', field(lastVal, 'perplexity')],
    ['accuracy (val)', field(lastVal, 'accuracy')],
    ['tokens / s (mean)', speeds.length > 0 ? Math.round(speeds.reduce((a, b) => a + b, 0) / speeds.length) : undefined],
  ]);
}

async function trainingLogHtml(log: TrainingLog): Promise<string> {
  const charts = trainingCharts(log.rows);
  return `<div class="training" data-step="${esc(log.step)}">
<h3>${esc(log.step)}<span class="mono">${esc(log.type)}</span></h3>
${trainingCards(log.rows)}
${charts.length > 0 ? await figures(charts, log.step) : '<p class="sub">The metrics log has no numeric curves.</p>'}
<p class="sub">${log.rows.length} metrics lines, from <code>${esc(log.digest)}</code>${log.backend ? `; trained on the <code>${esc(log.backend)}</code> backend` : ''}.</p>
</div>`;
}

export async function trainingHtml(data: ReportData): Promise<string> {
  if (data.training.length === 0) return '';
  const parts = await Promise.all(data.training.map(trainingLogHtml));
  return `<section id="training"><h2>Training</h2>
<p class="sub">Solid lines: training (averaged over each logging window); dashed: validation passes.</p>
${parts.join('')}</section>`;
}

function classTable(view: EvaluationView): string {
  if (view.classes.length === 0) return '';
  const cell = (v: number | undefined) => `<td class="num">${v === undefined ? '—' : esc(formatNumber(v))}</td>`;
  return `<div class="table-wrap"><table class="classes"><thead><tr><th>label</th><th class="num">precision</th><th class="num">recall</th><th class="num">F1</th><th class="num">support</th></tr></thead>
<tbody>${view.classes.map((c) => `<tr><td>${esc(c.label)}</td>${cell(c.precision)}${cell(c.recall)}${cell(c.f1)}${cell(c.support)}</tr>`).join('')}</tbody></table></div>`;
}

async function evaluationViewHtml(view: EvaluationView): Promise<string> {
  const charts = [view.confusion ? confusionChart(view.confusion) : undefined, perClassChart(view.classes)].filter((c): c is Chart => c !== undefined);
  const gate =
    view.passed === undefined
      ? ''
      : `<p><span class="pill st-${view.passed ? 'passed' : 'failed'}">gate ${view.passed ? 'passed' : 'failed'}</span> <span class="sub">${esc(view.gate ?? '')}</span></p>`;
  return `<div class="evaluation" data-step="${esc(view.step)}">
<h3>${esc(view.step)}${view.digest ? `<span class="mono">${esc(view.digest.slice(0, 19))}…</span>` : ''}</h3>
${gate}
${cards(view.metrics.slice(0, 8).map((m) => [m.name.replace(/_/g, ' '), m.value]))}
${charts.length > 0 ? await figures(charts, view.step) : ''}
${classTable(view)}
</div>`;
}

export async function evaluationHtml(data: ReportData): Promise<string> {
  if (data.evaluations.length === 0) return '';
  const parts = await Promise.all(data.evaluations.map(evaluationViewHtml));
  return `<section id="evaluation"><h2>Evaluation</h2>${parts.join('')}</section>`;
}

/** Another run's page in the Temporal UI, from this run's URL (same server and namespace). */
function runLink(data: ReportData, workflowId: string): string {
  if (!data.uiUrl) return `<code>${esc(workflowId)}</code>`;
  const url = data.uiUrl.replace(/[^/]+$/, encodeURIComponent(workflowId));
  return `<a href="${esc(url)}"><code>${esc(workflowId)}</code></a>`;
}

function metricsSummary(metrics: unknown): string {
  if (typeof metrics !== 'object' || metrics === null) return '—';
  const numbers = Object.entries(metrics).filter(([, v]) => typeof v === 'number' && Number.isFinite(v));
  return numbers.slice(0, 4).map(([k, v]) => `${k} ${formatNumber(v as number)}`).join(', ') || '—';
}

function deploymentHtml(data: ReportData, view: DeploymentView): string {
  const aliasesOf = (version: number) => Object.entries(view.aliases).filter(([, v]) => v === version).map(([a]) => a);
  const rows = [...view.versions].reverse().map((r) => {
    const current = r.version === view.version;
    return `<tr${current ? ' class="current"' : ''} data-version="${r.version}">
<td class="num"><strong>${r.version}</strong></td>
<td>${aliasesOf(r.version).map((a) => `<span class="pill st-completed">${esc(a)}</span>`).join(' ') || '<span class="sub">—</span>'}</td>
<td>${esc(formatTime(r.created))}</td>
<td>${runLink(data, r.lineage.workflowId)}<div class="sub">step ${esc(r.lineage.step)}${r.lineage.planHash ? ` · plan ${esc(r.lineage.planHash.slice(0, 12))}` : ''}</div></td>
<td class="mono" title="${esc(r.digest)}">${esc(r.digest.slice(0, 19))}…</td>
<td>${esc(metricsSummary(r.metrics))}</td>
</tr>`;
  });
  return `<div class="deployment" data-step="${esc(view.step)}">
<h3>${esc(view.name)}:${view.version}${view.alias ? ` <span class="pill st-completed">@${esc(view.alias)}</span>` : ''}<span class="mono">deployed by step ${esc(view.step)}</span></h3>
${view.problem ? `<p class="error">cannot read the registry: ${esc(view.problem)}</p>` : ''}
${rows.length > 0 ? `<div class="table-wrap"><table class="lineage"><thead><tr><th class="num">version</th><th>aliases</th><th>registered</th><th>from run</th><th>digest</th><th>metrics</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>` : ''}
<p class="sub">Every version of <code>${esc(view.name)}</code> in <code>$KILN_HOME/models/${esc(view.name)}/</code>, newest first; this run's is highlighted.</p>
</div>`;
}

export function deploymentsHtml(data: ReportData): string {
  if (data.deployments.length === 0) return '';
  return `<section id="deployments"><h2>Deployed versions</h2>${data.deployments.map((d) => deploymentHtml(data, d)).join('')}</section>`;
}

export function notesHtml(data: ReportData): string {
  if (data.notes.length === 0) return '';
  return `<section id="notes"><h2>Notes</h2><ul class="notes">${data.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul></section>`;
}
