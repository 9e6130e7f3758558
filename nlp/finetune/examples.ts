// Classification examples as token ids: `[CLS] text [SEP]` or `[CLS] text [SEP] pair [SEP]`, truncated to
// max_seq_length the way google-research/bert does (a pair loses tokens from its longer side first).
import { loadSplit } from '../dataset/split-file';
import type { SplitExample } from '../dataset/types';
import type { BertTokenizer } from '../tokenizer/tokenizer';

export interface EncodedExample {
  ids: number[]; // [seq], seq <= max_seq_length
  segmentIds: number[]; // [seq]: 0 for [CLS] text [SEP], 1 for pair [SEP]
  label: number; // -1 when unknown (inference)
}

/** A split or labels file that cannot be trained or evaluated on; `hint` says how to fix it. */
export class FinetuneDataError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'FinetuneDataError';
  }
}

/** Pops from the end of the longer of the two (`b` on a tie, as google-research/bert) until together they fit `maxTokens`. */
export function truncatePair(a: number[], b: number[], maxTokens: number): void {
  while (a.length + b.length > maxTokens) {
    if (a.length > b.length) a.pop();
    else b.pop();
  }
}

/** Ids and segment ids of one example, at most `maxSeqLength` tokens. */
export function encodeText(tokenizer: BertTokenizer, maxSeqLength: number, text: string, pair?: string): Omit<EncodedExample, 'label'> {
  const { cls, sep } = tokenizer.specialIds;
  const a = tokenizer.tokenizeWithWords(text).ids;
  if (pair === undefined) {
    const kept = a.slice(0, Math.max(0, maxSeqLength - tokenizer.addedTokens(false)));
    const ids = [cls, ...kept, sep];
    return { ids, segmentIds: new Array<number>(ids.length).fill(0) };
  }
  const b = tokenizer.tokenizeWithWords(pair).ids;
  truncatePair(a, b, Math.max(0, maxSeqLength - tokenizer.addedTokens(true)));
  const ids = [cls, ...a, sep, ...b, sep];
  const segmentIds = [...new Array<number>(a.length + 2).fill(0), ...new Array<number>(b.length + 1).fill(1)];
  return { ids, segmentIds };
}

export function encodeExamples(tokenizer: BertTokenizer, maxSeqLength: number, examples: readonly SplitExample[]): EncodedExample[] {
  return examples.map((e) => ({ ...encodeText(tokenizer, maxSeqLength, e.text, e.text_pair), label: e.label }));
}

/**
 * A split's examples, checked against the label set: every label id must name one of `labelNames`.
 * `what` names the split in messages (`with.train`).
 */
export async function loadLabelledSplit(file: string, labelNames: readonly string[], what: string): Promise<SplitExample[]> {
  const examples = await loadSplit(file);
  const n = labelNames.length;
  const bad = examples.findIndex((e) => e.label >= n);
  if (bad >= 0) {
    const count = examples.filter((e) => e.label >= n).length;
    throw new FinetuneDataError(
      `${what} (${file}): example ${bad + 1} has label id ${examples[bad]!.label}, but the labels file has ${n} labels ` +
        `(ids 0..${n - 1}: ${labelNames.join(', ')}); ${count} example(s) have labels missing from it`,
      'pass the labels output of the same dataset/load step as the splits',
    );
  }
  return examples;
}

/** Label ids of the label set that never occur in `examples` (a warning: the classifier cannot learn them). */
export function absentLabels(examples: readonly SplitExample[], labelNames: readonly string[]): string[] {
  const seen = new Set(examples.map((e) => e.label));
  return labelNames.filter((_, id) => !seen.has(id));
}
