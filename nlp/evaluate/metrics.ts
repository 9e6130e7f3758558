// Classification metrics as pure functions of gold and predicted label ids. Undefined ratios (0/0: a class never
// predicted has no precision, a class never in gold has no recall) count as 0, as scikit-learn's zero_division=0.

export interface ClassScores {
  precision: number; // tp / predicted as this class; 0 when never predicted
  recall: number; // tp / gold of this class; 0 when absent from gold
  f1: number; // harmonic mean of the two; 0 when both are 0
  support: number; // gold examples of this class
}

export interface ClassificationMetrics {
  examples: number;
  accuracy: number;
  /** Means over the classes present in gold or predictions (scikit-learn's default label set). */
  macro_precision: number;
  macro_recall: number;
  macro_f1: number;
  /** Indexed by label id, every one of numLabels. */
  per_class: ClassScores[];
  /** confusion[gold][predicted]: counts. */
  confusion: number[][];
}

function checkLabels(gold: ArrayLike<number>, predicted: ArrayLike<number>, numLabels: number): void {
  if (!Number.isSafeInteger(numLabels) || numLabels < 1) throw new RangeError(`numLabels must be an integer >= 1 (got ${numLabels})`);
  if (gold.length !== predicted.length) {
    throw new RangeError(`gold has ${gold.length} labels, predicted ${predicted.length}; they must pair up`);
  }
  for (const [name, ids] of [['gold', gold], ['predicted', predicted]] as const) {
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!Number.isInteger(id) || id < 0 || id >= numLabels) throw new RangeError(`${name}[${i}] = ${id} is not a label id in [0, ${numLabels})`);
    }
  }
}

/** matrix[gold][predicted] = examples with that gold label predicted as that label. */
export function confusionMatrix(gold: ArrayLike<number>, predicted: ArrayLike<number>, numLabels: number): number[][] {
  checkLabels(gold, predicted, numLabels);
  const matrix = Array.from({ length: numLabels }, () => new Array<number>(numLabels).fill(0));
  for (let i = 0; i < gold.length; i++) matrix[gold[i]!]![predicted[i]!]! += 1;
  return matrix;
}

/** Fraction predicted correctly; 0 for no examples. */
export function accuracy(gold: ArrayLike<number>, predicted: ArrayLike<number>, numLabels: number): number {
  checkLabels(gold, predicted, numLabels);
  let hits = 0;
  for (let i = 0; i < gold.length; i++) if (gold[i] === predicted[i]) hits += 1;
  return gold.length === 0 ? 0 : hits / gold.length;
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/** Precision, recall, F1 and support of every class, from a confusion matrix. */
export function classScores(confusion: readonly (readonly number[])[]): ClassScores[] {
  const n = confusion.length;
  return confusion.map((row, c) => {
    const tp = row[c]!;
    const support = row.reduce((a, b) => a + b, 0);
    let predictedAs = 0;
    for (let g = 0; g < n; g++) predictedAs += confusion[g]![c]!;
    const precision = ratio(tp, predictedAs);
    const recall = ratio(tp, support);
    return { precision, recall, f1: ratio(2 * precision * recall, precision + recall), support };
  });
}

/** Classes that occur in gold or predictions: a class in neither has no F1 to average. */
function presentClasses(confusion: readonly (readonly number[])[]): number[] {
  const present: number[] = [];
  for (let c = 0; c < confusion.length; c++) {
    const inGold = confusion[c]!.some((v) => v > 0);
    const inPredicted = confusion.some((row) => row[c]! > 0);
    if (inGold || inPredicted) present.push(c);
  }
  return present;
}

function macro(scores: ClassScores[], present: number[], key: 'precision' | 'recall' | 'f1'): number {
  return ratio(present.reduce((sum, c) => sum + scores[c]![key], 0), present.length);
}

/** Macro-averaged F1 over the classes present in gold or predictions; 0 for no examples. */
export function macroF1(gold: ArrayLike<number>, predicted: ArrayLike<number>, numLabels: number): number {
  const confusion = confusionMatrix(gold, predicted, numLabels);
  return macro(classScores(confusion), presentClasses(confusion), 'f1');
}

/** Every metric at once. */
export function classificationMetrics(gold: ArrayLike<number>, predicted: ArrayLike<number>, numLabels: number): ClassificationMetrics {
  const confusion = confusionMatrix(gold, predicted, numLabels);
  const perClass = classScores(confusion);
  const present = presentClasses(confusion);
  let hits = 0;
  for (let c = 0; c < numLabels; c++) hits += confusion[c]![c]!;
  return {
    examples: gold.length,
    accuracy: ratio(hits, gold.length),
    macro_precision: macro(perClass, present, 'precision'),
    macro_recall: macro(perClass, present, 'recall'),
    macro_f1: macro(perClass, present, 'f1'),
    per_class: perClass,
    confusion,
  };
}
