// Comparison with the best earlier value: margins, lower-is-better metrics, overrides and the failure message.
import { describe, expect, it } from 'vitest';

import { bestOf, compareWithBest, higherIsBetter, regressionMessage } from '../../../store/metrics-history-compare';
import type { HistoryRecord } from '../../../store/metrics-history-types';

const rec = (run: string, metrics: { [m: string]: number }): HistoryRecord => ({ at: `2025-01-0${run.slice(-1)}T03:00:00.000Z`, run, step: 'record', model: null, metrics });

const earlier = [rec('run-1', { accuracy: 0.74, loss: 0.6 }), rec('run-2', { accuracy: 0.76, loss: 0.55 }), rec('run-3', { accuracy: 0.75, loss: 0.58 })];

describe('compareWithBest', () => {
  it('takes lower-is-better from the name (loss, perplexity, latency) unless overridden', () => {
    expect(['accuracy', 'macro_f1', 'examples'].map((m) => higherIsBetter(m))).toEqual([true, true, true]);
    expect(['loss', 'mlm_loss', 'perplexity', 'latency_ms'].map((m) => higherIsBetter(m))).toEqual([false, false, false, false]);
    expect(higherIsBetter('loss', { loss: true })).toBe(true);
    expect(higherIsBetter('accuracy', { accuracy: false })).toBe(false);
  });

  it('finds the best (earliest on a tie) in the right direction', () => {
    expect(bestOf(earlier, 'accuracy', true)).toEqual({ value: 0.76, run: 'run-2', at: '2025-01-02T03:00:00.000Z' });
    expect(bestOf(earlier, 'loss', false)).toEqual({ value: 0.55, run: 'run-2', at: '2025-01-02T03:00:00.000Z' });
    expect(bestOf([...earlier, rec('run-4', { accuracy: 0.76 })], 'accuracy', true)?.run).toBe('run-2');
    expect(bestOf(earlier, 'f1', true)).toBeUndefined();
  });

  it('passes a drop up to the margin (float noise included) and fails one beyond it', () => {
    const within = compareWithBest(earlier, { accuracy: 0.74 }, { maxDrop: { accuracy: 0.02 }, higherIsBetter: {} });
    expect(within.accuracy).toEqual({
      value: 0.74,
      higher_is_better: true,
      best: { value: 0.76, run: 'run-2', at: '2025-01-02T03:00:00.000Z' },
      previous: 0.75,
      drop: 0.02,
      max_drop: 0.02,
      passed: true,
    });
    const beyond = compareWithBest(earlier, { accuracy: 0.71 }, { maxDrop: { accuracy: 0.02 }, higherIsBetter: {} });
    expect(beyond.accuracy).toMatchObject({ drop: 0.05, passed: false });
    expect(regressionMessage('accuracy', beyond.accuracy!)).toBe(
      'accuracy 0.71 is 0.05 below the best recorded 0.76 (run run-2 at 2025-01-02T03:00:00.000Z); allowed drop 0.02',
    );
    // Better than the best: a negative drop.
    expect(compareWithBest(earlier, { accuracy: 0.8 }, { maxDrop: { accuracy: 0 }, higherIsBetter: {} }).accuracy).toMatchObject({ drop: -0.04, passed: true });
  });

  it('checks a lower-is-better metric against its lowest value, and records unchecked metrics without judging them', () => {
    const result = compareWithBest(earlier, { accuracy: 0.5, loss: 0.7 }, { maxDrop: { loss: 0.1 }, higherIsBetter: {} });
    expect(result.loss).toMatchObject({ value: 0.7, higher_is_better: false, drop: 0.15, max_drop: 0.1, passed: false });
    expect(result.accuracy).toMatchObject({ drop: 0.26, max_drop: null, passed: true });
    expect(regressionMessage('loss', result.loss!)).toBe(
      'loss 0.7 is 0.15 above the best recorded 0.55 (lower is better; run run-2 at 2025-01-02T03:00:00.000Z); allowed drop 0.1',
    );
    // Overridden direction: a higher loss is now the better one.
    expect(compareWithBest(earlier, { loss: 0.7 }, { maxDrop: { loss: 0.1 }, higherIsBetter: { loss: true } }).loss).toMatchObject({ drop: -0.1, passed: true });
  });

  it('passes the first record of a metric: there is nothing to drop from', () => {
    expect(compareWithBest([], { accuracy: 0.1 }, { maxDrop: { accuracy: 0 }, higherIsBetter: {} }).accuracy).toEqual({
      value: 0.1,
      higher_is_better: true,
      best: null,
      previous: null,
      drop: null,
      max_drop: 0,
      passed: true,
    });
  });
});
