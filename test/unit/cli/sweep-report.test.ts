// The sweep report from hand-made runs: which runs are best, the table's shading, the charts' data.
import { describe, expect, it } from 'vitest';

import type { CompareRun } from '../../../cli/compare-data';
import { curveCharts, paramsChart } from '../../../cli/report/sweep-charts';
import { bestRuns, renderSweepReport, shade } from '../../../cli/report/sweep-html';
import type { SweepReportData, SweepRun } from '../../../cli/report/sweep-types';

function sweepRun(runId: string, lr: number, epochs: number, accuracy: number | undefined, color: string): SweepRun {
  const run: CompareRun = {
    runId,
    params: { lr, epochs },
    status: accuracy === undefined ? 'failed' : 'succeeded',
    durationMs: 4200,
    metrics: accuracy === undefined ? {} : { 'evaluate.accuracy': accuracy },
    evaluationSteps: accuracy === undefined ? [] : ['evaluate'],
    steps: {},
    inputs: {},
    notes: [],
  };
  const rows = [1, 2].flatMap((step) => [
    { split: 'train', step, loss: 1 / step / lr, accuracy: 0.5, learning_rate: lr },
    { split: 'validation', step, loss: 1.1 / step / lr },
  ]);
  return { run, label: `lr=${lr} epochs=${epochs}`, color, training: accuracy === undefined ? [] : [{ step: 'finetune', type: 'bert/finetune@v1', digest: 'sha256:x', rows }] };
}

const data: SweepReportData = {
  generatedAt: '2026-01-02T10:00:00.000Z',
  sweepId: 'ft-sweep-abcd1234',
  pipeline: 'ft',
  // Best first, as collectSweepReport ranks them: two tied at the top, the failed run last.
  runs: [sweepRun('ft-b', 0.0005, 1, 0.8, '#111111'), sweepRun('ft-c', 0.001, 2, 0.8, '#222222'), sweepRun('ft-a', 0.0001, 1, 0.6, '#333333'), sweepRun('ft-d', 0.001, 1, undefined, '#444444')],
  params: ['lr', 'epochs'],
  metrics: ['evaluate.accuracy'],
  ranking: { metric: 'evaluate.accuracy', higherIsBetter: true },
  notes: ['ft-d: step finetune: cannot read metrics sha256:y (gone)'],
};

describe('the sweep report', () => {
  it('marks every run tied for best, and shades the metric from worst to best either way round', () => {
    expect([...bestRuns(data)]).toEqual(['ft-b', 'ft-c']);
    expect(bestRuns({ ...data, ranking: undefined }).size).toBe(0);
    expect(shade(0.8, 0.6, 0.8, true)).toEqual({ t: 1, color: 'hsl(130 70% 85%)' });
    expect(shade(0.6, 0.6, 0.8, true)).toEqual({ t: 0, color: 'hsl(0 70% 85%)' });
    expect(shade(0.6, 0.6, 0.8, false).t).toBe(1);
    expect(shade(0.7, 0.7, 0.7, true).t).toBe(1);
  });

  it('overlays one curve per run and field, and puts each param in its own panel, values in numeric order', () => {
    const curves = curveCharts(data);
    expect(curves.map((c) => c.id)).toEqual(['curve:finetune:loss', 'curve:finetune:accuracy']);
    const loss = curves[0]!.spec as unknown as { data: { values: Array<{ run: string; split: string }> } };
    expect(loss.data.values.length).toBe(12); // 3 runs with a log × 2 steps × train and validation
    expect(new Set(loss.data.values.map((v) => v.run))).toEqual(new Set(['lr=0.0005 epochs=1', 'lr=0.001 epochs=2', 'lr=0.0001 epochs=1']));

    const params = paramsChart(data, bestRuns(data))!.spec as unknown as { data: { values: Array<{ param: string; value: string; order: number; best: string }> } };
    expect(params.data.values.filter((v) => v.param === 'lr').map((v) => [v.value, v.order, v.best])).toEqual([
      ['0.0005', 1, 'best'],
      ['0.001', 2, 'best'],
      ['0.0001', 0, 'other'],
    ]);
    expect(paramsChart({ ...data, params: [] }, new Set())).toBeUndefined();
  });

  it('renders a table row per run, the best badged and the metric cells shaded, and the charts as inline SVG', async () => {
    const html = await renderSweepReport(data);
    expect(html.match(/<script|<link|<img|<iframe/gi)).toBeNull();
    const rows = [...html.matchAll(/<tr data-run-id="([^"]+)"( class="best" data-best="true")?>/g)].map((m) => [m[1], Boolean(m[2])]);
    expect(rows).toEqual([
      ['ft-b', true],
      ['ft-c', true],
      ['ft-a', false],
      ['ft-d', false],
    ]);
    expect([...html.matchAll(/data-shade="([\d.]+)"/g)].map((m) => m[1])).toEqual(['1.000', '1.000', '0.000']);
    expect(html.match(/★ best/g)?.length).toBe(2);
    expect(html).toContain('<figure class="chart" data-chart="curve:finetune:loss"><svg');
    expect(html).toContain('<figure class="chart" data-chart="params"><svg');
    expect(html).toContain('cannot read metrics sha256:y');
  });
});
