// Seeded mutations of every example pipeline: each case compiles or fails with positioned
// diagnostics, never a crash, and none takes 2 s. A failing case is reproduced from its seed.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../compiler/catalog';
import { CompileError, type Diagnostic } from '../../../compiler/errors';
import { compilePipelineSource } from '../../../compiler/compile';
import { seededRng } from '../../helpers/seeded-rng';
import { mutate } from './mutate';

const dir = fileURLToPath(new URL('../../../pipelines/', import.meta.url));
const SEED = 20261206;
/** About 20 s on a 2-core machine. */
const CASES = 2000;
const MAX_CASE_MS = 2000;

function unpositioned(d: Diagnostic): boolean {
  return !Number.isInteger(d.line) || !Number.isInteger(d.col) || d.line < 1 || d.col < 1 || d.message === '';
}

describe('compiler fuzz', () => {
  it(`${CASES} seeded mutations of pipelines/*.yaml compile or report with positions, each under ${MAX_CASE_MS} ms`, async () => {
    const catalog = loadCatalog();
    const seeds = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => readFileSync(`${dir}${f}`, 'utf8'));
    const failures: string[] = [];
    let compiled = 0;
    let slowest = { ms: 0, i: -1 };
    const start = performance.now();
    for (let i = 0; i < CASES; i++) {
      const rng = seededRng(SEED + i);
      const { text, applied } = mutate(seeds[i % seeds.length]!, rng);
      const what = `case ${i} (seed ${SEED + i}, ${applied.join(' + ')})`;
      const t = performance.now();
      try {
        await compilePipelineSource(text, 'fuzz.yaml', { catalog });
        compiled++;
      } catch (e) {
        if (!(e instanceof CompileError)) failures.push(`${what}: threw ${(e as Error).stack ?? String(e)}`);
        else if (e.diagnostics.length === 0) failures.push(`${what}: CompileError without diagnostics`);
        else if (e.diagnostics.some(unpositioned)) failures.push(`${what}: diagnostic without a position: ${e.message}`);
      }
      const ms = performance.now() - t;
      if (ms > slowest.ms) slowest = { ms, i };
      if (ms > MAX_CASE_MS) failures.push(`${what}: took ${ms.toFixed(0)} ms`);
    }
    const total = (performance.now() - start) / 1000;
    console.log(`compiler fuzz: ${CASES} cases (${compiled} compiled) in ${total.toFixed(1)} s; slowest ${slowest.ms.toFixed(0)} ms (case ${slowest.i})`);
    expect(failures.slice(0, 10).join('\n\n')).toBe('');
  });
});
