import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { CompileError, formatDiagnostics } from '../../../compiler/errors';
import { checkSweepSource, compileSweepFile, type SweepOptions } from '../../../compiler/matrix';
import { HEAD, errorsOf as pipelineErrorsOf, testCatalog } from './helpers';

const BODY = `params:
  seed: 42
  steps: 300
  source: alpha
  fast: false
steps:
  corpus:
    uses: text/source@v1
    with: { name: "\${{ params.source }}" }
  tokenizer:
    uses: text/tokenize@v1
    with: { corpus: "\${{ steps.corpus.outputs.corpus }}" }
  train:
    uses: model/train@v1
    with:
      data: \${{ steps.corpus.outputs.corpus }}
      tokenizer: \${{ steps.tokenizer.outputs.tokenizer }}
      steps: \${{ params.steps }}
      seed: \${{ params.seed }}
`;

function sweepOf(matrix: string, options: SweepOptions = {}) {
  const result = checkSweepSource(HEAD + BODY + matrix, 'p.yaml', { catalog: testCatalog(), ...options });
  if (result.diagnostics.length > 0) throw new Error(formatDiagnostics(result.diagnostics));
  return result.sweep;
}

function errorsOf(matrix: string, options: SweepOptions = {}): string {
  const result = checkSweepSource(HEAD + BODY + matrix, 'p.yaml', { catalog: testCatalog(), ...options });
  if (result.sweep || result.diagnostics.length === 0) throw new Error('expected errors, but the sweep compiled');
  return formatDiagnostics(result.diagnostics);
}

const paramsOf = (matrix: string, options: SweepOptions = {}) => sweepOf(matrix, options)!.runs.map((r) => r.params);

describe('matrix: the grid', () => {
  it('is the cartesian product in the order written, the first param varying slowest', () => {
    const sweep = sweepOf('matrix:\n  seed: [1, 2]\n  steps: [10, 20, 30]\n')!;
    expect(sweep.runs.map((r) => r.params)).toEqual([
      { seed: 1, steps: 10 }, { seed: 1, steps: 20 }, { seed: 1, steps: 30 },
      { seed: 2, steps: 10 }, { seed: 2, steps: 20 }, { seed: 2, steps: 30 },
    ]);
    // Each run is the pipeline compiled with its values, the other params at their defaults.
    const train = sweep.runs[4]!.plan.steps.find((s) => s.id === 'train')!;
    expect(train.inputs).toMatchObject({ seed: 2, steps: 20 });
    expect(sweep.runs[4]!.plan.params).toEqual({ seed: 2, steps: 20, source: 'alpha', fast: false });
    expect(sweep).toMatchObject({ pipeline: 't', maxParallel: 4, failFast: false });
    expect(sweep.sweepHash).toMatch(/^[0-9a-f]{16}$/);
    expect(new Set(sweep.runs.map((r) => r.plan.planHash)).size).toBe(6);
  });

  it('exclude removes the combinations matching all its keys; include adds whole runs at the end', () => {
    const matrix = `matrix:
  seed: [1, 2]
  steps: [10, 20]
matrix_options:
  max_parallel: 2
  fail_fast: true
  exclude:
    - { seed: 2, steps: 10 }
    - { steps: 30 }
  include:
    - { seed: 3, steps: 10 }
    - { steps: 20, seed: 1 }
`;
    const sweep = sweepOf(matrix)!;
    // { seed: 1, steps: 20 } is already in the grid: not added twice. Params keep the matrix order.
    expect(sweep.runs.map((r) => r.params)).toEqual([{ seed: 1, steps: 10 }, { seed: 1, steps: 20 }, { seed: 2, steps: 20 }, { seed: 3, steps: 10 }]);
    expect(Object.keys(sweep.runs[3]!.params)).toEqual(['seed', 'steps']);
    expect(sweep).toMatchObject({ maxParallel: 2, failFast: true });
  });

  it('values keep their types: strings, booleans, numbers', () => {
    const sweep = sweepOf('matrix:\n  source: [alpha, beta]\n  fast: [true, false]\n')!;
    expect(sweep.runs.map((r) => r.plan.steps.find((s) => s.id === 'corpus')!.inputs.name)).toEqual(['alpha', 'alpha', 'beta', 'beta']);
    expect(sweep.runs.map((r) => r.plan.params.fast)).toEqual([true, false, true, false]);
  });

  it('is undefined without a matrix; the sweep hash depends only on the plans', () => {
    expect(sweepOf('')).toBeUndefined();
    const a = sweepOf('matrix:\n  seed: [1, 2]\n')!;
    const b = sweepOf('matrix: { seed: [1, 2] }  # reformatted\n')!;
    const c = sweepOf('matrix:\n  seed: [2, 1]\n')!;
    expect(b.sweepHash).toBe(a.sweepHash);
    expect(c.sweepHash).not.toBe(a.sweepHash);
  });
});

describe('--matrix', () => {
  it('replaces a list of the file in place, or adds a param at the end; values convert like --set', () => {
    const matrix = 'matrix:\n  seed: [1, 2]\n  steps: [10]\n';
    expect(paramsOf(matrix, { matrix: { seed: ['7'], source: ['beta', 'gamma'] } })).toEqual([
      { seed: 7, steps: 10, source: 'beta' },
      { seed: 7, steps: 10, source: 'gamma' },
    ]);
    expect(paramsOf('', { matrix: { fast: ['true', 'false'] }, set: { seed: '5' } })).toEqual([{ fast: true }, { fast: false }]);
    expect(sweepOf('', { matrix: { fast: ['true'] }, set: { seed: '5' } })!.runs[0]!.plan.params.seed).toBe(5);
  });

  it('reports unknown params, wrong types, duplicates and a --set of a swept param', () => {
    expect(errorsOf('matrix:\n  seed: [1]\n', { matrix: { sede: ['1'], steps: ['1.5', '2', '2'] }, set: { seed: '3' } })).toMatchInlineSnapshot(`
      "--set sede: in --matrix: unknown param "sede" (did you mean "seed"?)
        hint: params of this pipeline: seed, steps, source, fast
      --set steps: in --matrix: must be an integer, like the default 300 (got "1.5")
      --set steps: in --matrix: value "2" is given twice
        hint: each value makes its own runs: give it once
      --set seed: param "seed" is swept by the matrix; --set cannot also set it
        hint: to run one value of it, use --matrix seed=VALUE"
    `);
  });
});

describe('matrix: errors at their position', () => {
  it('unknown params, values of the wrong type, empty lists', () => {
    expect(errorsOf(`matrix:
  sede: [1, 2]
  steps: [10, 2.5, "20"]
  source: [alpha, 3]
  fast: []
`)).toMatchInlineSnapshot(`
  "p.yaml:24:3 matrix.sede: unknown param "sede" (did you mean "seed"?)
    hint: params of this pipeline: seed, steps, source, fast
  p.yaml:25:15 matrix.steps[1]: must be an integer, like the default 300 (got 2.5)
    hint: every value of "steps" must have the type of its default, 300
  p.yaml:25:20 matrix.steps[2]: must be an integer, like the default 300 (got "20")
    hint: every value of "steps" must have the type of its default, 300
  p.yaml:26:19 matrix.source[1]: must be a string, like the default "alpha" (got 3)
    hint: param "source" is a string (its default is "alpha"): quote the value
  p.yaml:27:9 matrix.fast: no values to sweep
    hint: give at least one value, e.g. fast: [false], or remove "fast" from the matrix"
`);
  });

  it('include and exclude entries name matrix params with values of their types; an include gives them all', () => {
    expect(errorsOf(`matrix:
  seed: [1, 2]
  steps: [10]
matrix_options:
  exclude: [{ sed: 1 }, { source: beta }]
  include:
    - { seed: 3 }
    - { seed: x, steps: 10 }
`)).toMatchInlineSnapshot(`
  "p.yaml:27:15 matrix_options.exclude[0].sed: unknown param "sed" (did you mean "seed"?)
    hint: exclude entries name matrix params only: seed, steps
  p.yaml:27:27 matrix_options.exclude[1].source: param "source" is not in the matrix
    hint: exclude entries name matrix params only: seed, steps
  p.yaml:29:7 matrix_options.include[0]: include entry gives no value for "steps"
    hint: each include entry is one whole run: give a value for every matrix param (seed, steps)
  p.yaml:30:15 matrix_options.include[1].seed: must be an integer, like the default 42 (got "x")
    hint: every value of "seed" must have the type of its default, 42"
`);
  });

  it('an empty grid after exclude', () => {
    expect(errorsOf('matrix:\n  seed: [1, 2]\nmatrix_options:\n  exclude: [{ seed: 1 }, { seed: 2 }]\n')).toMatchInlineSnapshot(`
      "p.yaml:26:3 matrix_options.exclude: every combination of the matrix is excluded: the sweep has no runs
        hint: each exclude entry removes every combination that matches all of its keys: narrow or remove one"
    `);
  });

  it('more than 256 runs only with yes', () => {
    const values = (n: number) => `[${Array.from({ length: n }, (_, i) => i + 1).join(', ')}]`;
    const matrix = `matrix:\n  seed: ${values(16)}\n  steps: ${values(17)}\n`;
    expect(errorsOf(matrix)).toMatchInlineSnapshot(`
      "p.yaml:23:1 matrix: the matrix makes 272 runs, more than 256
        hint: pass --yes to start them all, or sweep fewer values"
    `);
    expect(errorsOf('', { matrix: { seed: Array.from({ length: 300 }, (_, i) => String(i)) } })).toMatchInlineSnapshot(`
      "--set: in --matrix: the matrix makes 300 runs, more than 256
        hint: pass --yes to start them all, or sweep fewer values"
    `);
    // 256 exactly is fine; 272 with yes too.
    expect(sweepOf(`matrix:\n  seed: ${values(16)}\n  steps: ${values(16)}\n`)!.runs).toHaveLength(256);
    expect(sweepOf(matrix, { yes: true })!.runs).toHaveLength(272);
  });

  it('schema errors: the shape of matrix and matrix_options', () => {
    expect(errorsOf('matrix:\n  seed: 1\n  steps: [1, 1]\nmatrix_options:\n  max_parallel: 0\n  retry: true\n')).toMatchInlineSnapshot(`
      "p.yaml:24:9 matrix.seed: must be an array (got 1)
      p.yaml:25:10 matrix.steps: must not contain duplicates (items 0 and 1 are equal)
      p.yaml:27:17 matrix_options.max_parallel: must be >= 1 (got 0)
      p.yaml:28:3 matrix_options.retry: unknown key "retry"
        hint: allowed keys: max_parallel, fail_fast, include, exclude"
    `);
    // Not a sweep (no matrix): the plain compile says what is wrong.
    expect(checkSweepSource(HEAD + BODY + 'matrix_options:\n  max_parallel: 2\n', 'p.yaml', { catalog: testCatalog() })).toEqual({ diagnostics: [] });
    expect(pipelineErrorsOf(HEAD + BODY + 'matrix_options:\n  max_parallel: 2\n')).toMatchInlineSnapshot(`"p.yaml:1:1: "matrix_options" also needs "matrix""`);
  });

  it('a value that a step rejects is reported once, with the first run that has it', () => {
    expect(errorsOf('matrix:\n  seed: [1, 2]\n  source: [alpha, delta]\n')).toMatchInlineSnapshot(`"p.yaml:12:19 steps.corpus.with.name: must be one of: alpha, beta, gamma (got "delta") (in run 2, seed=1 source="delta" and 1 more)"`);
  });

  it('compileSweepFile throws CompileError with every diagnostic, and the pipeline errors besides the matrix ones', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-matrix-'));
    const file = path.join(dir, 'p.yaml');
    await fs.writeFile(file, HEAD + BODY.replace('uses: model/train@v1', 'uses: model/trian@v1') + 'matrix:\n  sede: [1]\n');
    const error = await compileSweepFile(file, { catalog: testCatalog() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CompileError);
    expect((error as CompileError).diagnostics.map((d) => `${d.line}:${d.col} ${d.path}`)).toEqual(['17:11 steps.train.uses', '24:3 matrix.sede']);
    await fs.writeFile(file, HEAD + BODY);
    expect(await compileSweepFile(file, { catalog: testCatalog() })).toBeUndefined();
    expect((await compileSweepFile(file, { catalog: testCatalog(), matrix: { seed: ['1', '2'] } }))!.runs).toHaveLength(2);
  });
});
