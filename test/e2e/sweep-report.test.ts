// The sweep report as a user meets it: a real 2×2 sweep of a tiny pretraining on the test server, its page written
// by `kiln report SWEEP` and by `kiln compare SWEEP --html`, then opened in headless Chromium: nothing fetched, no
// console errors, one table row per run with its params, the best run marked, the charts drawn.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { CompareJson } from '../../cli/compare-table';
import { hasChromium, openPage, type OpenedPage } from '../helpers/chromium';
import { kiln } from '../helpers/kiln-cli';

interface SweepJson {
  sweepId: string;
  status: string;
  runs: Array<{ runId: string; params: { steps: number; learning_rate: number }; status: string }>;
}

let dir: string;
let browser: OpenedPage | undefined;
let sweep: SweepJson;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-sweep-report-'));
  if (!hasChromium) return;
  const run = await kiln(['run', 'test/fixtures/pipelines/sweep-tiny.yaml', '--json'], { timeoutMs: 600_000 });
  expect(run.code, run.stderr).toBe(0);
  sweep = JSON.parse(run.stdout) as SweepJson;
  expect(sweep.status).toBe('COMPLETED');
}, 660_000);

afterAll(async () => {
  await browser?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function written(args: string[], out: string): Promise<string> {
  const result = await kiln(args);
  expect(result.code, result.stderr).toBe(0);
  const file = path.join(out, 'index.html');
  expect(result.stdout).toContain(`report written to ${file}`);
  expect(result.stdout).toContain(pathToFileURL(file).href);
  return file;
}

async function compareJson(...args: string[]): Promise<CompareJson[]> {
  const result = await kiln(['compare', sweep.sweepId, '--json', ...args]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as CompareJson[];
}

/** Opens the page from the file alone and checks what both commands' pages share; returns the page. */
async function open(file: string, metric: string, ranked: CompareJson[]): Promise<OpenedPage> {
  const html = await fs.readFile(file, 'utf8');
  // Self-contained: no scripts, stylesheets or images from anywhere.
  expect(html.match(/<script|<link|<img|<iframe|url\((?!#)/gi)).toBeNull();

  browser ??= await openPage({ width: 1280, height: 900 });
  browser.consoleErrors.length = 0;
  browser.requests.length = 0;
  browser.failedRequests.length = 0;
  const { page: p } = browser;
  await p.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  expect(browser.consoleErrors).toEqual([]);
  expect(browser.failedRequests).toEqual([]);
  expect(browser.requests).toEqual([pathToFileURL(file).href]);

  // One row per run, best first as `kiln compare` ranks them, each with its params and a link to the Temporal UI.
  const rows = p.locator('table.grid tbody tr');
  expect(await rows.count()).toBe(4);
  const shown = await rows.evaluateAll((els) =>
    els.map((tr) => ({
      runId: tr.getAttribute('data-run-id'),
      steps: tr.querySelector('td[data-param="steps"]')?.textContent,
      learningRate: tr.querySelector('td[data-param="learning_rate"]')?.textContent,
      best: tr.getAttribute('data-best') === 'true',
      badge: tr.querySelector('.best-badge')?.textContent ?? null,
      href: tr.querySelector('a.run-link')?.getAttribute('href'),
      shade: tr.querySelector('td.ranked')?.getAttribute('data-shade'),
    })),
  );
  expect(shown.map((r) => r.runId)).toEqual(ranked.map((r) => r.runId));
  const params = new Map(sweep.runs.map((r) => [r.runId, [String(r.params.steps), String(r.params.learning_rate)]]));
  for (const row of shown) expect([row.steps, row.learningRate]).toEqual(params.get(row.runId!));
  for (const row of shown) expect(row.href).toMatch(new RegExp(`^http://localhost:\\d+/namespaces/default/workflows/${row.runId}$`));

  // The best run (and any run tied with it) is marked; the metric's cells go from worst (0) to best (1).
  const best = ranked[0]!.metrics[metric]!;
  expect(shown.map((r) => r.best)).toEqual(ranked.map((r) => r.metrics[metric] === best));
  expect(shown[0]).toMatchObject({ best: true, badge: '★ best', shade: '1.000' });
  expect(shown.filter((r) => !r.best).every((r) => r.badge === null)).toBe(true);
  const values = ranked.map((r) => r.metrics[metric]!);
  if (Math.min(...values) !== Math.max(...values)) expect(shown[3]!.shade).toBe('0.000');
  expect(await p.locator(`table.grid td.ranked[data-metric="${metric}"]`).count()).toBe(4);
  expect(await p.locator('header').textContent()).toContain(`${metric} (${metric.endsWith('perplexity') ? 'lower' : 'higher'} is better)`);

  // Training curves: the pretraining loss of every run overlaid, each run's train and validation line a point
  // at least, the legend naming the runs by their params.
  const loss = p.locator('figure[data-chart="curve:pretrain:loss"] svg');
  expect(await loss.count()).toBe(1);
  expect(await loss.locator('g.mark-symbol.role-mark path').count()).toBeGreaterThanOrEqual(8);
  const legend = (await loss.locator('g.role-legend').allTextContents()).join(' ');
  for (const [steps, lr] of params.values()) expect(legend).toContain(`steps=${steps} learning_rate=${lr}`);

  // The metric against each param: one panel per param, a point per run in each.
  const chart = p.locator('figure[data-chart="params"] svg');
  expect(await chart.count()).toBe(1);
  const headers = await chart.locator('g.role-column-header text').allTextContents();
  expect(headers).toEqual(['steps', 'learning_rate']);
  expect(await chart.locator('g.mark-symbol.role-mark path').count()).toBe(8);
  return browser;
}

describe.skipIf(!hasChromium)('the sweep report', () => {
  it('`kiln report SWEEP` ranks by the first evaluation metric, as `kiln compare` does', async () => {
    const out = path.join(dir, 'report');
    const file = await written(['report', sweep.sweepId, '--out', out], out);
    const { page: p } = await open(file, 'evaluate.mlm_accuracy', await compareJson());
    expect(await p.locator('header').textContent()).toContain(sweep.sweepId);
    expect(await p.locator('header a').first().getAttribute('href')).toMatch(new RegExp(`/namespaces/default/workflows/${sweep.sweepId}$`));
  });

  it('`kiln compare SWEEP --html --metric` writes the same page, ranked by that metric', async () => {
    const out = path.join(dir, 'compare');
    const file = await written(['compare', sweep.sweepId, '--html', '--metric', 'evaluate.perplexity', '--out', out], out);
    await open(file, 'evaluate.perplexity', await compareJson('--metric', 'evaluate.perplexity'));
  });

  it('`--out` without `--html` is refused', async () => {
    const result = await kiln(['compare', sweep.sweepId, '--out', path.join(dir, 'nowhere')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--out is for the HTML page');
  });
});
