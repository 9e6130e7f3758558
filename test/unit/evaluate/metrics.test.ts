import { describe, expect, it } from 'vitest';

import { accuracy, classificationMetrics, confusionMatrix, macroF1 } from '../../../nlp/evaluate/metrics';

// A 3-class example worked by hand (label ids 0, 1, 2; a 4th label, 3, occurs nowhere):
//   gold      = 0 0 0 1 1 2 2 2 2 0
//   predicted = 0 1 0 1 2 2 2 1 2 0
// confusion[gold][predicted]:   pred 0  1  2  3
//                     gold 0:        3  1  0  0     support 4
//                     gold 1:        0  1  1  0     support 2
//                     gold 2:        0  1  3  0     support 4
//                     gold 3:        0  0  0  0     support 0
// accuracy = (3 + 1 + 3) / 10 = 0.7
// class 0: precision 3/3 = 1,   recall 3/4,  F1 = 2·1·(3/4) / (1 + 3/4)       = 6/7
// class 1: precision 1/3,       recall 1/2,  F1 = 2·(1/3)(1/2) / (1/3 + 1/2)  = 2/5
// class 2: precision 3/4,       recall 3/4,  F1 = 3/4
// class 3: never gold nor predicted: 0, 0, 0, and left out of the macro averages
// macro F1 = (6/7 + 2/5 + 3/4) / 3 = (120 + 56 + 105) / 140 / 3 = 281/420
// macro precision = (1 + 1/3 + 3/4) / 3 = 25/36; macro recall = (3/4 + 1/2 + 3/4) / 3 = 2/3
const gold = [0, 0, 0, 1, 1, 2, 2, 2, 2, 0];
const predicted = [0, 1, 0, 1, 2, 2, 2, 1, 2, 0];

describe('classification metrics', () => {
  it('match the hand-worked 3-class example', () => {
    expect(confusionMatrix(gold, predicted, 4)).toEqual([
      [3, 1, 0, 0],
      [0, 1, 1, 0],
      [0, 1, 3, 0],
      [0, 0, 0, 0],
    ]);
    expect(accuracy(gold, predicted, 4)).toBe(0.7);
    expect(macroF1(gold, predicted, 4)).toBeCloseTo(281 / 420, 12);
    const m = classificationMetrics(gold, predicted, 4);
    expect(m.examples).toBe(10);
    expect(m.accuracy).toBe(0.7);
    expect(m.macro_f1).toBeCloseTo(281 / 420, 12);
    expect(m.macro_precision).toBeCloseTo(25 / 36, 12);
    expect(m.macro_recall).toBeCloseTo(2 / 3, 12);
    const scores = m.per_class.map((s) => [s.precision, s.recall, s.f1, s.support]);
    expect(scores[0]![0]).toBe(1);
    expect(scores[0]![1]).toBe(0.75);
    expect(scores[0]![2]).toBeCloseTo(6 / 7, 12);
    expect(scores[1]![0]).toBeCloseTo(1 / 3, 12);
    expect(scores[1]![1]).toBe(0.5);
    expect(scores[1]![2]).toBeCloseTo(2 / 5, 12);
    expect(scores[2]).toEqual([0.75, 0.75, 0.75, 4]);
    expect(scores[3]).toEqual([0, 0, 0, 0]);
  });

  it('count undefined ratios as 0: a label predicted but never gold has precision 0 and recall 0', () => {
    // gold 0 0, predicted 0 1: class 0 precision 1, recall 1/2, F1 2/3; class 1 precision 0/1, recall 0/0 → 0.
    const m = classificationMetrics([0, 0], [0, 1], 2);
    expect(m.per_class[1]).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(m.per_class[0]!.f1).toBeCloseTo(2 / 3, 12);
    expect(m.macro_f1).toBeCloseTo(1 / 3, 12); // class 1 was predicted, so it is averaged in
    expect(classificationMetrics([], [], 3)).toMatchObject({ examples: 0, accuracy: 0, macro_f1: 0 });
  });

  it('reject mismatched lengths and ids outside the label set, naming them', () => {
    expect(() => accuracy([0, 1], [0], 2)).toThrow('gold has 2 labels, predicted 1');
    expect(() => confusionMatrix([0, 2], [0, 1], 2)).toThrow('gold[1] = 2 is not a label id in [0, 2)');
  });
});
