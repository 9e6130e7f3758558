import { byCodeUnit } from '../corpus/datasets/package-dir';
import { DatasetInputError } from './errors';
import type { LabelSet, RawExample } from './types';

const INTEGER = /^-?\d+$/u;

/**
 * Label names in id order: numerically when every label is an integer (so labels 0..n-1 keep their numbers as
 * ids, and 10 comes after 9), otherwise by plain code-unit order of their string form. Either way the ids depend
 * only on the set of labels, never on the order rows arrive in.
 */
export function orderLabels(names: Iterable<string>): string[] {
  const unique = [...new Set(names)];
  if (unique.length > 0 && unique.every((name) => INTEGER.test(name))) {
    return unique.sort((a, b) => compareBigInt(BigInt(a), BigInt(b)) || byCodeUnit(a, b));
  }
  return unique.sort(byCodeUnit);
}

/** The label names (in id order) and their counts; throws when there are fewer than two classes. */
export function labelSet(examples: readonly RawExample[], hint: string): LabelSet {
  const counts = new Map<string, number>();
  for (const example of examples) counts.set(example.label, (counts.get(example.label) ?? 0) + 1);
  const names = orderLabels(counts.keys());
  if (names.length === 1) {
    throw new DatasetInputError(
      `only one label in the data: ${JSON.stringify(names[0])} (${examples.length} examples); a classifier needs at least two`,
      hint,
    );
  }
  return { names, counts: Object.fromEntries(names.map((name) => [name, counts.get(name)!])) };
}

/** Label name -> id. */
export function labelIds(labels: LabelSet): Map<string, number> {
  return new Map(labels.names.map((name, id) => [name, id]));
}

function compareBigInt(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
