// Hostile or huge input ends in diagnostics with positions, quickly: never a stack overflow or minutes of CPU.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPipelineSource, validatePipelineFile } from '../../../compiler/compile';
import { formatDiagnostics } from '../../../compiler/errors';
import { HEAD, errorsOf, testCatalog } from './helpers';

const STEP = 'uses: text/source@v1, with: {name: alpha}';

/** Runs `fn` and fails when it takes longer than `ms`. */
function within<T>(ms: number, fn: () => T): T {
  const start = performance.now();
  const result = fn();
  expect(performance.now() - start).toBeLessThan(ms);
  return result;
}

/** n steps, each needing the one before; with `cycle`, the first needs the last. */
function chain(n: number, cycle: boolean): string {
  const lines = [`${HEAD}steps:`];
  for (let i = 0; i < n; i++) {
    const needs = i > 0 ? `, needs: [s${i - 1}]` : cycle ? `, needs: [s${n - 1}]` : '';
    lines.push(`  s${i}: {${STEP}${needs}}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('limits', () => {
  it('reports an alias inside its own anchored value instead of expanding it forever', () => {
    expect(errorsOf(`${HEAD}steps: {a: {${STEP}}}\nx: &a [*a]\n`)).toMatchInlineSnapshot(`
      "p.yaml:5:1 x: unknown key "x"
        hint: allowed keys: apiVersion, kind, name, description, params, defaults, steps, matrix, matrix_options, schedule
      p.yaml:5:8 x[0]: alias *a is inside the value it refers to, so it would never end
        hint: move *a out of the value anchored as &a"
    `);
    expect(errorsOf(`${HEAD}steps:\n  a: &s\n    uses: text/source@v1\n    with: {name: alpha, x: *s}\n`)).toContain(
      'p.yaml:7:28 steps.a.with.x: alias *s is inside the value it refers to');
  });

  it('reports 2,000 levels of nesting, block or flow, at the first level too deep', () => {
    const block = `${HEAD}steps: {a: {${STEP}}}\nx:\n  ${'- '.repeat(2000)}1\n`;
    expect(errorsOf(block)).toMatchInlineSnapshot(`
      "p.yaml:6:201: nested more than 100 levels deep
        hint: a pipeline needs a few levels of mappings and lists; flatten this value"
    `);
    const flow = `${HEAD}steps: {a: {${STEP}}}\nx: ${'{a: ['.repeat(1000)}${']}'.repeat(1000)}\n`;
    expect(errorsOf(flow)).toContain('p.yaml:5:253: nested more than 100 levels deep');
    // Aliases can stack values deeper than the text is; that is bounded too.
    let stacked = `${HEAD}steps: {a: {${STEP}}}\nx:\n  l0: &l0 ${'['.repeat(50)}${']'.repeat(50)}\n`;
    for (let i = 1; i < 5; i++) stacked += `  l${i}: &l${i} ${'['.repeat(50)}*l${i - 1}${']'.repeat(50)}\n`;
    expect(errorsOf(stacked)).toContain('nested more than 100 levels deep (through aliases)');
  });

  it('compiles a 6,000-step chain and reports a 6,000-step cycle at its first edge', () => {
    const catalog = testCatalog();
    const result = within(5000, () => checkPipelineSource(chain(6000, false), 'p.yaml', { catalog }));
    expect(formatDiagnostics(result.diagnostics)).toBe('');
    expect(result.plan!.steps.map((s) => s.id)).toEqual(Array.from({ length: 6000 }, (_, i) => `s${i}`));
    expect(result.plan!.steps[5999]!.dependsOn).toEqual(['s5998']);

    const cyclic = within(5000, () => checkPipelineSource(chain(6000, true), 'p.yaml', { catalog }));
    expect(formatDiagnostics(cyclic.diagnostics)).toMatchInlineSnapshot(`
      "p.yaml:5:59 steps.s0.needs[0]: dependency cycle: s0 -> s5999 -> s5998 -> s5997 -> s5996 -> s5995 -> ... (5990 more) -> s4 -> s3 -> s2 -> s1 -> s0
        hint: each step here waits for the next one, so none can start: remove one of these references or needs"
    `);
  });

  it('reports 5,000 steps that each need an unknown step without comparing every name with every other', () => {
    const lines = [`${HEAD}steps:`];
    for (let i = 0; i < 5000; i++) lines.push(`  s${i}: {${STEP}, needs: [nope${i}]}`);
    const result = within(3000, () => checkPipelineSource(`${lines.join('\n')}\n`, 'p.yaml', { catalog: testCatalog() }));
    expect(result.diagnostics).toHaveLength(5000);
    expect(formatDiagnostics(result.diagnostics.slice(0, 1))).toMatchInlineSnapshot(`
      "p.yaml:5:59 steps.s0.needs[0]: unknown step "nope0"
        hint: steps in this pipeline: s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15, s16, s17, s18, s19 and 4980 more"
    `);
  });

  it('judges a 100 KB alias bomb in under 2 s by counting the values aliases copy', () => {
    // Each level holds ten aliases to the level before: 10^n values from a few lines.
    let bomb = `${HEAD}steps: {a: {${STEP}}}\nx:\n  l0: &l0 [${Array(10).fill('"lol"').join(', ')}]\n`;
    for (let i = 1; bomb.length < 100_000; i++) bomb += `  l${i}: &l${i} [${Array(10).fill(`*l${i - 1}`).join(', ')}]\n`;
    const errors = within(2000, () => errorsOf(bomb));
    expect(errors).toContain('aliases expand to more than 100000 values');
    expect(errors).toMatch(/^p\.yaml:\d+:\d+ x\.l\d/m);
  });

  it('refuses a file over 1,000,000 characters before parsing it', () => {
    const big = `${HEAD}description: "${'x'.repeat(1_000_000)}"\nsteps: {a: {${STEP}}}\n`;
    expect(within(2000, () => errorsOf(big))).toMatchInlineSnapshot(`
      "p.yaml:1:1: the file is too large (1000115 characters; at most 1000000)
        hint: a pipeline is a few KB of YAML: move data into a corpus or dataset step"
    `);
  });

  it('reports bytes that are not UTF-8 at their position instead of replacing them', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kiln-utf8-')), 'p.yaml');
    writeFileSync(file, Buffer.concat([Buffer.from(`${HEAD}description: caf`), Buffer.from([0xe9]), Buffer.from(`\nsteps: {a: {${STEP}}}\n`)]));
    const diagnostics = await validatePipelineFile(file, { catalog: testCatalog() });
    expect(formatDiagnostics(diagnostics).replace(file, 'p.yaml')).toMatchInlineSnapshot(`
      "p.yaml:4:17: not UTF-8: byte 0xe9 at offset 59 cannot be decoded
        hint: save the file as UTF-8"
    `);
  });
});
