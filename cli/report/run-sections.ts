// The parts of the report every run has: the header with the run's metadata, the DAG with its step table, and
// the list of every artifact the run produced.
import type { Json } from '../../contract/json';
import { isArtifactRef } from '../../store/types';
import type { StepState } from '../run-state';
import { dagSvg, STATUS_COLORS, type DagNode } from './dag';
import { esc, formatBytes, formatDuration, formatNumber, formatTime } from './escape';
import type { ReportData } from './types';

const pill = (status: string, text = status): string => `<span class="pill st-${esc(status.toLowerCase())}">${esc(text)}</span>`;

function short(digest: string): string {
  return digest.replace(/^(sha256:[0-9a-f]{12})[0-9a-f]+$/, '$1…');
}

function meta(label: string, html: string): string {
  return `<div><dt>${esc(label)}</dt><dd>${html}</dd></div>`;
}

export function headerHtml(data: ReportData): string {
  const { run, plan } = data;
  const counts = new Map<string, number>();
  for (const s of run.steps) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
  const cached = run.steps.filter((s) => s.cached).length;
  const stepSummary = [...counts].map(([status, n]) => `${n} ${status}`).join(', ') + (cached > 0 ? ` (${cached} cached)` : '');
  const params = Object.entries(plan?.params ?? {});
  return `<header>
<div class="eyebrow">kiln run report</div>
<h1><span>${esc(run.pipeline ?? plan?.pipeline ?? run.runId)}</span>${pill(run.status)}</h1>
${plan?.description ? `<p class="desc">${esc(plan.description)}</p>` : ''}
<dl class="meta">
${meta('Run', `<code>${esc(run.runId)}</code>`)}
${meta('Temporal UI', data.uiUrl ? `<a href="${esc(data.uiUrl)}">open this run ↗</a>` : '—')}
${meta('Plan hash', run.planHash ?? plan?.planHash ? `<code title="${esc(run.planHash ?? plan?.planHash)}">${esc((run.planHash ?? plan!.planHash).slice(0, 16))}…</code>` : '—')}
${meta('Started', esc(formatTime(run.startedAt)))}
${meta('Ended', esc(formatTime(run.endedAt)))}
${meta('Duration', esc(formatDuration(run.startedAt, run.endedAt) ?? (run.endedAt ? '—' : 'still running')))}
${meta('Steps', esc(stepSummary || 'none'))}
${plan ? meta('Pipeline file', `<code>${esc(plan.source.file)}</code>`) : ''}
${data.store ? meta('Store', `<code>${esc(data.store.uri)}</code>`) : ''}
</dl>
${run.failure ? `<p class="error">${esc(run.failure)}</p>` : ''}
${params.length > 0 ? `<div class="params">${params.map(([k, v]) => `<code>${esc(k)}=${esc(JSON.stringify(v))}</code>`).join('')}</div>` : ''}
</header>`;
}

function dagNodes(data: ReportData): DagNode[] {
  const deps = new Map((data.plan?.steps ?? []).map((s) => [s.id, s.dependsOn]));
  return data.run.steps.map((s) => ({
    id: s.id,
    type: s.type,
    status: s.status,
    dependsOn: deps.get(s.id) ?? [],
    cached: s.cached,
    attempts: s.attempts,
    duration: s.cached ? undefined : formatDuration(s.startedAt, s.endedAt),
  }));
}

function outputHtml(name: string, value: Json): string {
  if (isArtifactRef(value)) {
    return `<li><span class="name">${esc(name)}</span><span class="sub">${esc(value.kind)}</span> <code title="${esc(value.uri)}">${esc(short(value.digest))}</code> <span class="sub">${esc(formatBytes(value.bytes))}</span></li>`;
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const scalars = Object.entries(value).filter(([, v]) => v === null || typeof v !== 'object');
    const text = scalars.map(([k, v]) => `${k}=${typeof v === 'number' ? formatNumber(v) : String(v)}`).join(' ');
    return `<li><span class="name">${esc(name)}</span><span class="sub">${esc(text.length > 90 ? `${text.slice(0, 89)}…` : text)}</span></li>`;
  }
  return `<li><span class="name">${esc(name)}</span><code>${esc(JSON.stringify(value).slice(0, 80))}</code></li>`;
}

function cacheHtml(step: StepState): string {
  if (step.cached) return `<span class="pill cached">hit</span>${step.cacheKey ? `<div class="sub mono">${esc(step.cacheKey.slice(0, 12))}</div>` : ''}`;
  if (step.cacheMiss?.length) return `miss<div class="sub">${esc(step.cacheMiss.join('; '))}</div>`;
  return '<span class="sub">—</span>';
}

function stepRow(step: StepState): string {
  const outputs = Object.entries(step.outputs ?? {});
  const problem = step.error ?? (step.status !== 'succeeded' ? step.lastFailure : undefined);
  return `<tr data-step="${esc(step.id)}">
<td><strong>${esc(step.id)}</strong><div class="sub mono">${esc(step.type)}</div></td>
<td>${pill(step.status)}</td>
<td class="num">${esc(step.cached ? '—' : (formatDuration(step.startedAt, step.endedAt) ?? '—'))}</td>
<td class="num">${step.attempts}</td>
<td class="cache">${cacheHtml(step)}</td>
<td>${outputs.length > 0 ? `<ul class="outputs">${outputs.map(([n, v]) => outputHtml(n, v)).join('')}</ul>` : ''}${problem ? `<div class="error">${esc(problem)}</div>` : ''}</td>
</tr>`;
}

function swatch(status: string): string {
  const c = STATUS_COLORS[status] ?? STATUS_COLORS.pending!;
  return `<span class="swatch"><i style="background: ${c.fill}; border-color: ${c.stroke}"></i>${esc(status)}</span>`;
}

export function pipelineHtml(data: ReportData): string {
  const statuses = [...new Set(data.run.steps.map((s) => s.status))];
  const total = data.run.steps.reduce((sum, s) => sum + (s.cached || !s.startedAt || !s.endedAt ? 0 : Date.parse(s.endedAt) - Date.parse(s.startedAt)), 0);
  const cards = [
    ['steps', String(data.run.steps.length)],
    ['succeeded', String(data.run.steps.filter((s) => s.status === 'succeeded').length)],
    ['from cache', String(data.run.steps.filter((s) => s.cached).length)],
    ['retries', String(data.run.steps.reduce((n, s) => n + Math.max(0, s.attempts - 1), 0))],
    ['step time', formatDuration(new Date(0).toISOString(), new Date(total).toISOString()) ?? '—'],
  ];
  const dag = dagSvg(dagNodes(data));
  // A DAG wider than about 60% of the page gets the full width, with the summary below it.
  return `<section id="pipeline">
<h2>Pipeline</h2>
<div class="pipeline${dag.width > 640 ? ' wide' : ''}">
<div class="dag-wrap">${dag.svg}</div>
<div>
<div class="summary">${cards.map(([k, v]) => `<div class="card"><div class="k">${esc(k)}</div><div class="v">${esc(v)}</div></div>`).join('')}</div>
<div class="legend">${statuses.map(swatch).join('')}${data.run.steps.some((s) => s.cached) ? '<span class="swatch"><i style="border-style: dashed; border-color: #868e96"></i>from the step cache</span>' : ''}</div>
</div>
</div>
<h3>Steps</h3>
<div class="table-wrap"><table class="steps">
<thead><tr><th>step</th><th>status</th><th class="num">duration</th><th class="num">attempts</th><th>cache</th><th>outputs</th></tr></thead>
<tbody>${data.run.steps.map(stepRow).join('')}</tbody>
</table></div>
</section>`;
}

export function artifactsHtml(data: ReportData): string {
  const rows = data.run.steps.flatMap((s) =>
    Object.entries(s.outputs ?? {}).flatMap(([name, v]) =>
      isArtifactRef(v)
        ? [`<tr><td>${esc(s.id)}</td><td>${esc(name)}</td><td>${esc(v.kind)}</td><td class="mono">${esc(v.digest)}</td><td class="num">${esc(formatBytes(v.bytes))}</td>${data.store ? `<td class="mono">${esc(data.store.locations[v.uri] ?? 'not in the store')}</td>` : ''}</tr>`]
        : [],
    ),
  );
  if (rows.length === 0) return '';
  return `<section id="artifacts"><details><summary>All artifacts (${rows.length})</summary>
<div class="table-wrap"><table><thead><tr><th>step</th><th>output</th><th>kind</th><th>digest</th><th class="num">size</th>${data.store ? '<th>in the store</th>' : ''}</tr></thead>
<tbody>${rows.join('')}</tbody></table></div>
<p class="sub">${data.store ? `Artifacts live in the shared store <code>${esc(data.store.uri)}</code>; each machine keeps a verified copy under <code>$KILN_HOME/store</code>.` : 'Artifacts live in <code>$KILN_HOME/store/sha256/&lt;hex&gt;</code>.'}</p></details></section>`;
}
