import { describe, expect, it } from 'vitest';

import { checkGate, checkGateSpec, GateSpecError } from '../../../nlp/evaluate/gate';

const metrics = { accuracy: 0.62, macro_f1: 0.5549, loss: 0.91, perplexity: 91.27 };

describe('quality gate', () => {
  it('passes when every bound holds (bounds are inclusive)', () => {
    expect(checkGate({ min: { accuracy: 0.62, macro_f1: 0.5 }, max: { loss: 1 } }, metrics)).toEqual({ passed: true, misses: [], summary: 'gate passed' });
    expect(checkGate(undefined, metrics).summary).toBe('no gate');
  });

  it('fails with every missed bound and its numbers: min for scores, max for loss-like metrics', () => {
    const result = checkGate({ min: { accuracy: 0.8, macro_f1: 0.7 }, max: { loss: 1, perplexity: 50 } }, metrics);
    expect(result.passed).toBe(false);
    expect(result.summary).toBe('gate failed: accuracy 0.62 < min 0.8; macro_f1 0.5549 < min 0.7; perplexity 91.27 > max 50');
    expect(result.misses.map((m) => `${m.bound}:${m.metric}`)).toEqual(['min:accuracy', 'min:macro_f1', 'max:perplexity']);
  });

  it('a metric the evaluation did not produce misses its bound', () => {
    expect(checkGate({ min: { accuracy: 0.5 } }, { accuracy: NaN }).summary).toBe('gate failed: accuracy NaN < min 0.5');
  });

  it('rejects unknown metric names, listing the available ones', () => {
    const available = ['accuracy', 'macro_f1', 'loss'];
    expect(() => checkGateSpec({ min: { acc: 0.8 } }, available, 'with.gate')).toThrow(GateSpecError);
    expect(() => checkGateSpec({ max: { perplexity: 10 } }, available, 'with.gate')).toThrow(
      "with.gate.max.perplexity: this evaluation has no metric 'perplexity'; available: accuracy, macro_f1, loss",
    );
    expect(() => checkGateSpec({ min: { accuracy: '0.8' as unknown as number } }, available)).toThrow('gate.min.accuracy: must be a number (got "0.8")');
    expect(() => checkGateSpec({ min: { accuracy: 0.8 }, max: { loss: 2 } }, available)).not.toThrow();
  });
});
