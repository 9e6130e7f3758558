import { describe, expect, it } from 'vitest';

import { CounterRng, streamKey } from '../../../nlp/bert/rng';

function draws(rng: CounterRng, n: number): number[] {
  return Array.from({ length: n }, () => rng.nextUint32());
}

describe('CounterRng', () => {
  it('is a pure function of (seed, stream, counter)', () => {
    expect(draws(CounterRng.fromSeed(42, 'a'), 5)).toEqual(draws(CounterRng.fromSeed(42, 'a'), 5));
    expect(draws(CounterRng.fromSeed(42, 'a'), 5)).not.toEqual(draws(CounterRng.fromSeed(43, 'a'), 5));
    expect(draws(CounterRng.fromSeed(42, 'a'), 5)).not.toEqual(draws(CounterRng.fromSeed(42, 'b'), 5));
    expect(streamKey(2 ** 40, 'x')).not.toBe(streamKey(0, 'x'));
  });

  it('resumes exactly from its state, also across the 2^32 counter boundary', () => {
    const a = new CounterRng({ key: 7, counter: 2 ** 32 - 2 });
    draws(a, 1);
    const b = new CounterRng(a.state());
    expect(draws(b, 4)).toEqual(draws(a, 4));
    expect(a.state()).toEqual({ key: 7, counter: 2 ** 32 + 3 });
  });

  it('gives plausible uniforms, truncated normals and dropout masks', () => {
    const rng = CounterRng.fromSeed(1, 'stats');
    const u = Array.from({ length: 20000 }, () => rng.nextOpenUnit());
    expect(u.reduce((a, c) => a + c, 0) / u.length).toBeCloseTo(0.5, 2);

    const z = new Float32Array(20000);
    rng.fillTruncatedNormal(z, 0.02);
    const mean = z.reduce((a, c) => a + c, 0) / z.length;
    const std = Math.sqrt(z.reduce((a, c) => a + (c - mean) ** 2, 0) / z.length);
    expect(Math.abs(mean)).toBeLessThan(0.001);
    expect(std).toBeCloseTo(0.02 * 0.8796, 3); // std of a normal truncated at ±2σ
    expect(Math.max(...z.map(Math.abs))).toBeLessThanOrEqual(0.04);

    const mask = new Float32Array(20000);
    rng.fillDropoutMask(mask, 0.25);
    const dropped = mask.filter((m) => m === 0).length / mask.length;
    expect(dropped).toBeGreaterThan(0.23);
    expect(dropped).toBeLessThan(0.27);
    expect(new Set(mask)).toEqual(new Set([0, Math.fround(1 / 0.75)]));
  });
});
