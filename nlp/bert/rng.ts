// Counter-based random numbers: draw i of a stream is a pure function of (key, i), so a stream's
// state is two integers and a run resumed from a checkpoint draws exactly what it would have drawn.
// Never Math.random.

/** A stream's whole state: its 32-bit key (from seed and stream name) and how many draws it has made. */
export interface RngState {
  key: number;
  counter: number;
}

const TWO_32 = 2 ** 32;

/** A bijective 32-bit mixer with strong avalanche (Wellons' lowbias32). */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

function hashString(s: string): number {
  let h = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The key of stream `name` under `seed` (an integer in [0, 2^53)). */
export function streamKey(seed: number, name: string): number {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be an integer in [0, 2^53), got ${seed}`);
  const lo = seed >>> 0;
  const hi = Math.floor(seed / TWO_32) >>> 0;
  return mix32(mix32(lo ^ mix32(hi + 0x9e3779b9)) ^ hashString(name));
}

export class CounterRng {
  private key: number;
  private counter: number;
  private hiKey = 0; // mixes the counter's high word in; recomputed when it changes
  private hi = -1;

  constructor(state: RngState) {
    if (!Number.isSafeInteger(state.counter) || state.counter < 0) {
      throw new RangeError(`RNG counter must be a non-negative integer, got ${state.counter}`);
    }
    this.key = state.key >>> 0;
    this.counter = state.counter;
  }

  static fromSeed(seed: number, stream: string): CounterRng {
    return new CounterRng({ key: streamKey(seed, stream), counter: 0 });
  }

  state(): RngState {
    return { key: this.key, counter: this.counter };
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const c = this.counter++;
    const hi = Math.floor(c / TWO_32);
    if (hi !== this.hi) {
      this.hi = hi;
      this.hiKey = mix32(this.key ^ mix32(hi + 0x6a09e667));
    }
    return mix32(mix32((c >>> 0) ^ this.hiKey) + this.key);
  }

  /** A uniform double in (0, 1). */
  nextOpenUnit(): number {
    return (this.nextUint32() + 0.5) / TWO_32;
  }

  /** Fills `out` with a truncated standard normal scaled by `std` (redrawn beyond 2 std, as TF does). */
  fillTruncatedNormal(out: Float32Array, std: number): void {
    let i = 0;
    while (i < out.length) {
      // Box–Muller: two independent normals per pair of uniforms.
      const r = Math.sqrt(-2 * Math.log(this.nextOpenUnit()));
      const theta = 2 * Math.PI * this.nextOpenUnit();
      const z0 = r * Math.cos(theta);
      const z1 = r * Math.sin(theta);
      if (Math.abs(z0) <= 2) out[i++] = z0 * std;
      if (i < out.length && Math.abs(z1) <= 2) out[i++] = z1 * std;
    }
  }

  /** Fills `out` with dropout multipliers: 0 with probability `rate`, else 1 / (1 - rate). */
  fillDropoutMask(out: Float32Array, rate: number): void {
    const threshold = rate * TWO_32; // drop when the draw falls below it
    const keepScale = 1 / (1 - rate);
    for (let i = 0; i < out.length; i++) out[i] = this.nextUint32() < threshold ? 0 : keepScale;
  }
}
