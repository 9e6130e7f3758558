import { createHash } from 'node:crypto';

import type { Example, SplitName, SplitOptions } from './types';

export type Splits = Record<SplitName, Example[]> & { warnings: string[] };

export type SplitSizes = Record<SplitName, number>;

/**
 * How many of a label's `n` examples go to each split: the rounded fraction, but at least one for a held-out
 * split that asked for any, as long as train keeps one. When there are too few to go round, train is served
 * first, then validation (fine-tuning needs it for early stopping), then test.
 */
export function splitSizes(n: number, options: Pick<SplitOptions, 'validation' | 'test'>): SplitSizes {
  const want = (fraction: number): number => (fraction > 0 ? Math.max(1, Math.round(n * fraction)) : 0);
  let validation = want(options.validation);
  let test = want(options.test);
  if (n - validation - test < 1) {
    const spare = Math.max(0, n - 1);
    validation = Math.min(validation, spare);
    test = Math.min(test, spare - validation);
  }
  return { train: n - validation - test, validation, test };
}

/**
 * A stratified split that depends only on the set of examples and the seed, not on the order they came in:
 * within each label, examples are ordered by a seeded hash of their text and cut into test, validation, train
 * (test first, so changing the validation fraction leaves test alone). Each split is then written in the order
 * of a second seeded hash, which mixes the labels; the first hash would not (each label's cut falls elsewhere).
 */
export function stratifiedSplit(examples: readonly Example[], labelNames: readonly string[], options: SplitOptions): Splits {
  const byLabel = labelNames.map(() => [] as Array<{ example: Example; key: string }>);
  for (const example of examples) byLabel[example.label]!.push({ example, key: exampleKey(options.seed, 'split', example) });
  const splits: Splits = { train: [], validation: [], test: [], warnings: [] };
  byLabel.forEach((group, label) => {
    group.sort((a, b) => byKey(a.key, b.key));
    const sizes = splitSizes(group.length, options);
    const ordered = group.map((entry) => entry.example);
    splits.test.push(...ordered.slice(0, sizes.test));
    splits.validation.push(...ordered.slice(sizes.test, sizes.test + sizes.validation));
    splits.train.push(...ordered.slice(sizes.test + sizes.validation));
    for (const split of ['validation', 'test'] as const) {
      if (options[split] > 0 && sizes[split] === 0) {
        splits.warnings.push(
          `label ${JSON.stringify(labelNames[label])} has only ${group.length} example(s): the ${split} split has none of it`,
        );
      }
    }
  });
  for (const split of ['train', 'validation', 'test'] as const) splits[split] = inOrder(splits[split], options.seed);
  return splits;
}

function inOrder(examples: Example[], seed: number): Example[] {
  return examples
    .map((example) => ({ example, key: exampleKey(seed, 'order', example) }))
    .sort((a, b) => byKey(a.key, b.key))
    .map((entry) => entry.example);
}

/** sha256 of the seed, a purpose and the texts: a stable pseudo-random position for each example. */
export function exampleKey(seed: number, purpose: string, example: Pick<Example, 'text' | 'textPair'>): string {
  return createHash('sha256')
    .update(JSON.stringify([seed, purpose, example.text, example.textPair ?? null]))
    .digest('hex');
}

function byKey(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
