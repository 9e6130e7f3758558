// The merge loop of the WordPiece trainer: repeatedly join the best adjacent pair of pieces into a new piece.
import { Heap } from './heap';

/**
 * likelihood: WordPiece's score freq(ab) / (freq(a)·freq(b)), which prefers pairs whose parts rarely occur apart.
 * frequency: freq(ab), as BPE (and Hugging Face's WordPieceTrainer, a BPE trainer inside) does.
 */
export type MergeScoring = 'likelihood' | 'frequency';

export interface MergeOptions {
  /** Stop when the vocab has this many tokens. */
  vocabSize: number;
  /** Pairs seen fewer times are never merged. */
  minFrequency: number;
  scoring: MergeScoring;
  continuingSubwordPrefix: string;
  onProgress?: (progress: { merges: number; vocabSize: number }) => void | Promise<void>;
}

interface Candidate {
  score: number;
  freq: number;
  key: number;
  stamp: number;
}

// A pair of symbol ids packed into one number (exact below 2^53).
const KEY_BASE = 2 ** 26;
const PROGRESS_MS = 250;

/**
 * Appends merged pieces to `tokens` (special tokens and the alphabet on entry). `words[i]` is a distinct word as
 * symbol ids (indexes into `tokens`), seen `counts[i]` times; it is rewritten as pieces merge. Ties go to the more
 * frequent pair, then to the merged piece that sorts first, so the result depends on the counts alone.
 */
export async function learnMerges(
  tokens: string[],
  words: number[][],
  counts: number[],
  options: MergeOptions,
): Promise<void> {
  const index = new Map(tokens.map((token, id) => [token, id]));
  const symbolFreq: number[] = new Array<number>(tokens.length).fill(0);
  const pairFreq = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  const symbolPairs = new Map<number, Set<number>>();
  const stamps = new Map<number, number>();
  const prefixLength = options.continuingSubwordPrefix.length;

  const mergedToken = (key: number): string =>
    tokens[Math.floor(key / KEY_BASE)]! + tokens[key % KEY_BASE]!.slice(prefixLength);
  const heap = new Heap<Candidate>((x, y) => {
    if (x.score !== y.score) return x.score > y.score;
    if (x.freq !== y.freq) return x.freq > y.freq;
    const mx = mergedToken(x.key);
    const my = mergedToken(y.key);
    return mx !== my ? mx < my : x.key < y.key;
  });

  const addPair = (key: number, delta: number, word: number): void => {
    const before = pairFreq.get(key) ?? 0;
    const after = before + delta;
    const a = Math.floor(key / KEY_BASE);
    const b = key % KEY_BASE;
    if (after <= 0) {
      pairFreq.delete(key);
      pairWords.delete(key);
      symbolPairs.get(a)?.delete(key);
      symbolPairs.get(b)?.delete(key);
      return;
    }
    if (before === 0) {
      for (const s of [a, b]) {
        let set = symbolPairs.get(s);
        if (!set) symbolPairs.set(s, (set = new Set()));
        set.add(key);
      }
    }
    pairFreq.set(key, after);
    if (delta > 0) {
      let set = pairWords.get(key);
      if (!set) pairWords.set(key, (set = new Set()));
      set.add(word);
    }
  };

  // A fresh heap entry for the pair; older entries for it are recognised as stale by their stamp.
  const refresh = (key: number): void => {
    const stamp = (stamps.get(key) ?? 0) + 1;
    stamps.set(key, stamp);
    const freq = pairFreq.get(key);
    if (freq === undefined || freq < options.minFrequency) return;
    const a = Math.floor(key / KEY_BASE);
    const b = key % KEY_BASE;
    const score = options.scoring === 'frequency' ? freq : freq / (symbolFreq[a]! * symbolFreq[b]!);
    heap.push({ score, freq, key, stamp });
  };

  words.forEach((word, w) => {
    const count = counts[w]!;
    for (let i = 0; i < word.length; i++) {
      symbolFreq[word[i]!]! += count;
      if (i > 0) addPair(word[i - 1]! * KEY_BASE + word[i]!, count, w);
    }
  });
  for (const key of pairFreq.keys()) refresh(key);

  let merges = 0;
  let lastProgress = Date.now();
  while (tokens.length < options.vocabSize) {
    let top = heap.pop();
    while (top && top.stamp !== stamps.get(top.key)) top = heap.pop();
    if (!top) break;
    const a = Math.floor(top.key / KEY_BASE);
    const b = top.key % KEY_BASE;
    const merged = mergedToken(top.key);
    let x = index.get(merged);
    if (x === undefined) {
      // The same piece can come from two different pairs ("a"+"##bc", "ab"+"##c"); it enters the vocab once.
      x = tokens.push(merged) - 1;
      index.set(merged, x);
      symbolFreq[x] = 0;
    }
    const touched = new Set<number>([top.key]);
    for (const w of [...(pairWords.get(top.key) ?? [])]) {
      const word = words[w]!;
      const next = mergeWord(word, a, b, x);
      if (next.length === word.length) continue;
      const count = counts[w]!;
      const times = word.length - next.length;
      symbolFreq[a]! -= times * count;
      symbolFreq[b]! -= times * count;
      symbolFreq[x]! += times * count;
      for (const [key, delta] of pairDeltas(word, next)) {
        addPair(key, delta * count, w);
        touched.add(key);
      }
      words[w] = next;
    }
    // Likelihood scores also change for every pair that contains a piece whose frequency changed.
    if (options.scoring === 'likelihood') {
      for (const s of [a, b, x]) for (const key of symbolPairs.get(s) ?? []) touched.add(key);
    }
    for (const key of touched) refresh(key);
    merges++;
    if (Date.now() - lastProgress >= PROGRESS_MS) {
      lastProgress = Date.now();
      await options.onProgress?.({ merges, vocabSize: tokens.length });
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

/** The word with each non-overlapping (a, b), left to right, replaced by x. */
function mergeWord(word: number[], a: number, b: number, x: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < word.length; i++) {
    if (word[i] === a && word[i + 1] === b && i + 1 < word.length) {
      out.push(x);
      i++;
    } else out.push(word[i]!);
  }
  return out;
}

/** Per pair key: occurrences in `after` minus occurrences in `before`, zeros left out. */
function pairDeltas(before: number[], after: number[]): Map<number, number> {
  const deltas = new Map<number, number>();
  for (let i = 1; i < before.length; i++) {
    const key = before[i - 1]! * KEY_BASE + before[i]!;
    deltas.set(key, (deltas.get(key) ?? 0) - 1);
  }
  for (let i = 1; i < after.length; i++) {
    const key = after[i - 1]! * KEY_BASE + after[i]!;
    deltas.set(key, (deltas.get(key) ?? 0) + 1);
  }
  for (const [key, delta] of deltas) if (delta === 0) deltas.delete(key);
  return deltas;
}
