import type { RawExample } from './types';

/** What is left after empty texts and duplicates are dropped, and how many of each were. */
export interface Collected {
  /** In first-seen order. */
  examples: RawExample[];
  duplicates: number;
  conflictingDuplicates: number;
  emptyTexts: number;
  warnings: string[];
}

const CONFLICTS_SHOWN = 3;

/**
 * Drops empty texts and exact duplicates of (text, text pair), keeping the first. A duplicate with another label
 * is also counted as conflicting: the data contradicts itself there, which users should hear about.
 */
export class ExampleCollector {
  private readonly seen = new Map<string, RawExample>();
  private duplicates = 0;
  private conflicting = 0;
  private emptyTexts = 0;
  private readonly conflicts: string[] = [];

  /** `null` is a row whose text was empty. */
  add(example: RawExample | null): void {
    if (example === null) {
      this.emptyTexts += 1;
      return;
    }
    const key = JSON.stringify([example.text, example.textPair ?? null]);
    const first = this.seen.get(key);
    if (first === undefined) {
      this.seen.set(key, example);
      return;
    }
    this.duplicates += 1;
    if (first.label !== example.label) {
      this.conflicting += 1;
      if (this.conflicts.length < CONFLICTS_SHOWN) {
        this.conflicts.push(`${example.where} says ${JSON.stringify(example.label)}, ${first.where} said ${JSON.stringify(first.label)}`);
      }
    }
  }

  result(): Collected {
    const warnings =
      this.conflicting === 0
        ? []
        : [`${this.conflicting} duplicate text(s) have another label than their first occurrence, whose label was kept: ${this.conflicts.join('; ')}`];
    return {
      examples: [...this.seen.values()],
      duplicates: this.duplicates,
      conflictingDuplicates: this.conflicting,
      emptyTexts: this.emptyTexts,
      warnings,
    };
  }
}
