// Which steps of two runs differ and why: equal cache keys mean the same inputs (and the second run may have been a
// cache hit); different keys are explained by the cache's own words (explainChange) on the two entries' key parts.
import type { CacheEntry, StepCache } from '../store/cache';
import { explainChange } from '../store/cache-key';
import type { CompareRun } from './compare-data';
import type { StepChangeJson } from './compare-table';

/** A cache entry by key, or undefined when it is gone (gc, a broken output) or was never written. */
export type EntryReader = (key: string) => Promise<CacheEntry | undefined>;

/** The cache's own entries, unverified: comparing needs the key parts, not the outputs, and must not drop any. */
export function cacheEntryReader(cache: StepCache): EntryReader {
  return (key) => cache.entry(key);
}

const short = (key: string): string => key.slice(0, 12);

/** Per step of either run (the first run's order, then steps only the second has): how the second differs. */
export async function stepChanges(a: CompareRun, b: CompareRun, readEntry: EntryReader): Promise<{ [id: string]: StepChangeJson }> {
  const out: { [id: string]: StepChangeJson } = {};
  for (const id of new Set([...Object.keys(a.steps), ...Object.keys(b.steps)])) {
    const before = a.steps[id];
    const after = b.steps[id];
    const change = (sameInputs: boolean, reasons: string[]): StepChangeJson => ({ run: a.runId, sameInputs, reasons });
    if (!before || !after) {
      out[id] = change(false, [`only in ${before ? a.runId : b.runId}`]);
    } else if (before.cacheKey && after.cacheKey && before.cacheKey === after.cacheKey) {
      out[id] = change(true, [after.cached ? `same inputs (cache hit in ${b.runId})` : 'same inputs (ran again)']);
    } else if (before.cacheKey && after.cacheKey) {
      const [entryA, entryB] = await Promise.all([readEntry(before.cacheKey), readEntry(after.cacheKey)]);
      const gone = [
        ...(entryA ? [] : [`cache entry ${short(before.cacheKey)} of ${a.runId} is gone`]),
        ...(entryB ? [] : [`cache entry ${short(after.cacheKey)} of ${b.runId} is gone`]),
      ];
      out[id] = change(false, gone.length > 0 ? [`different inputs; ${gone.join(', ')}, so which input changed is unknown`] : explainChange(entryA!.parts, entryB!.parts));
    } else {
      out[id] = change(false, uncachedChange(a, b, id, before.type === after.type ? undefined : `step type changed (${before.type} → ${after.type})`));
    }
  }
  return out;
}

/** A step without a cache key (not cached, or it never finished): compare the inputs its plan gave it. */
function uncachedChange(a: CompareRun, b: CompareRun, id: string, typeChange: string | undefined): string[] {
  if (typeChange) return [typeChange];
  const missing = [a, b].filter((run) => !run.steps[id]!.cacheKey).map((run) => run.runId);
  const note = `no cache key in ${missing.join(' and ')} (not cached, or it did not finish)`;
  const planA = a.inputs[id];
  const planB = b.inputs[id];
  if (!planA || !planB) return [note];
  const type = a.steps[id]!.type;
  const reasons = explainChange({ type, implementation: 0, inputs: planA }, { type, implementation: 0, inputs: planB });
  // explainChange's words for equal inputs speak of a cache lookup; step outputs stay references in a plan.
  return reasons[0] === 'no previous result with these inputs' ? [`${note}; both plans give it the same inputs (upstream outputs not compared)`] : [note, ...reasons];
}

/** `  pretrain   input steps changed: 6 → 10`: one line per reason, under the step's id. */
export function stepChangeLines(changes: { [id: string]: StepChangeJson }, a: string, b: string): string[] {
  const width = Math.max(8, ...Object.keys(changes).map((id) => id.length));
  const lines = [`steps of ${b} against ${a}:`];
  for (const [id, change] of Object.entries(changes)) {
    change.reasons.forEach((reason, i) => lines.push(`  ${(i === 0 ? id : '').padEnd(width)}  ${change.sameInputs ? '=' : '≠'} ${reason}`));
  }
  return lines;
}
