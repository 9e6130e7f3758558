// "Did you mean" suggestions by edit distance.

export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

// Suggestions compare the word with every candidate; with thousands of steps or params each in error,
// that would be quadratic and take minutes. Past this many candidates there are no suggestions.
export const MAX_CANDIDATES = 300;

/** Candidates ordered closest first (ties keep their given order); as given when there are very many. */
export function byCloseness(word: string, candidates: readonly string[]): string[] {
  if (candidates.length > MAX_CANDIDATES) return [...candidates];
  return candidates
    .map((c, i) => ({ c, i, d: levenshtein(word.toLowerCase(), c.toLowerCase()) }))
    .sort((x, y) => x.d - y.d || x.i - y.i)
    .map((x) => x.c);
}

/** The closest candidate, if it is close enough to be a plausible typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  if (candidates.length > MAX_CANDIDATES) return undefined;
  const best = byCloseness(word, candidates)[0];
  if (best === undefined) return undefined;
  const a = word.toLowerCase();
  const b = best.toLowerCase();
  const d = levenshtein(a, b);
  if (d >= Math.max(a.length, b.length)) return undefined;
  // One edit is always a plausible typo; up to half the word ("retires" -> "retry") if the first letter agrees.
  return d <= 1 || (d <= Math.floor(a.length / 2) && a[0] === b[0]) ? best : undefined;
}

/** ` (did you mean "x"?)` or the empty string. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const c = closest(word, candidates);
  return c === undefined ? '' : ` (did you mean "${c}"?)`;
}

/** Names for a hint: `a, b, c`, or the first 20 and how many more. */
export function nameList(names: readonly string[]): string {
  return names.length <= 20 ? names.join(', ') : `${names.slice(0, 20).join(', ')} and ${names.length - 20} more`;
}
