// Counter-based randomness for data creation. Every draw is a pure function of the seed and of which duplicate,
// document or epoch it serves, so the output never depends on processing order, shard size or earlier documents.
import { CounterRng, streamKey } from '../bert/rng';

const TWO_32 = 2 ** 32;
/** Documents per stream key; each document gets 2^32 draws of its own (the counter's high word is the document). */
const DOCS_PER_KEY = 2 ** 20;

/** The stream of draws that builds and masks the instances of document `doc` in duplicate `duplicate`. */
export function documentRng(seed: number, duplicate: number, doc: number): CounterRng {
  const block = Math.floor(doc / DOCS_PER_KEY);
  const key = streamKey(seed, `pretraining-data/instances/${duplicate}/${block}`);
  return new CounterRng({ key, counter: (doc % DOCS_PER_KEY) * TWO_32 });
}

/** Whether document `doc` is held out: a fixed coin per (seed, doc), so whole documents go to one split. */
export function isValidationDocument(seed: number, doc: number, fraction: number): boolean {
  if (fraction <= 0) return false;
  const rng = new CounterRng({ key: streamKey(seed, 'pretraining-data/validation'), counter: doc });
  return rng.nextUint32() / TWO_32 < fraction;
}

/** Uniform in [0, 1), like Python's random.random(). */
export function uniform(rng: CounterRng): number {
  return rng.nextUint32() / TWO_32;
}

/** Uniform integer in [lo, hi], both included, like Python's randint. */
export function randint(rng: CounterRng, lo: number, hi: number): number {
  const n = hi - lo + 1;
  return lo + Math.min(n - 1, Math.floor((rng.nextUint32() * n) / TWO_32));
}

/** Fisher–Yates over `a[0..length)`, in place, the way Python's random.shuffle walks. */
export function shuffleInPlace(a: Int32Array | Uint32Array, length: number, rng: CounterRng): void {
  for (let i = length - 1; i > 0; i--) {
    const j = randint(rng, 0, i);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

/** Python 3's round(): halves go to the even neighbour (google's num_to_predict uses it). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
