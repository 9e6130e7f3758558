import { describe, expect, it } from 'vitest';

import { loadCatalog } from '../../../compiler/catalog';
import type { Rule } from '../../../compiler/rules';
import { CLASSIFICATION_METRICS } from '../../../nlp/evaluate/classification';
import { checkGate } from '../../../nlp/evaluate/gate';
import { PRETRAINING_METRICS } from '../../../nlp/evaluate/pretraining';

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

  it('can only name metrics the evaluation makes: bert/evaluate@v1\'s rules list exactly those (checked at compile time)', () => {
    const rules = loadCatalog().get('bert/evaluate@v1')!.rules.filter((r): r is Extract<Rule, { rule: 'keys-in' }> => r.rule === 'keys-in');
    const names = (kind: string) => rules.find((r) => JSON.stringify(r.when) === JSON.stringify({ dataset: { kind } }))?.names;
    expect(names('dataset-split')).toEqual([...CLASSIFICATION_METRICS]);
    expect(names('pretraining-data')).toEqual([...PRETRAINING_METRICS]);
  });
});
