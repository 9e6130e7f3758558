import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { collectMatrix } from '../../cli/options';
import { kiln } from '../helpers/kiln-cli';

// `kiln plan` of a matrix, as a user meets it: no server needed, an empty KILN_HOME so nothing is cached yet.
const PIPELINE = `apiVersion: kiln/v1
kind: Pipeline
name: plan-matrix
params:
  vocab_size: 60
  min_frequency: 1
steps:
  corpus:
    uses: corpus/download@v1
    with:
      sources: [{ file: corpus.txt }]
  small:
    uses: tokenizer/wordpiece@v1
    with:
      corpus: "\${{ steps.corpus.outputs.corpus }}"
      vocab_size: "\${{ params.vocab_size }}"
  tuned:
    uses: tokenizer/wordpiece@v1
    with:
      corpus: "\${{ steps.corpus.outputs.corpus }}"
      vocab_size: "\${{ params.vocab_size }}"
      min_frequency: "\${{ params.min_frequency }}"
matrix:
  vocab_size: [50, 60]
`;

let dir: string;
let pipeline: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-plan-matrix-'));
  pipeline = path.join(dir, 'pipeline.yaml');
  await fs.writeFile(pipeline, PIPELINE);
  await fs.writeFile(path.join(dir, 'corpus.txt'), 'The cat sat on the mat.\nThe dog sat on the log.\n');
  env = { KILN_HOME: path.join(dir, 'home') };
});

describe('kiln plan of a matrix', () => {
  it('previews every run of the grid and the steps the runs share', async () => {
    const plan = await kiln(['plan', pipeline, '--matrix', 'min_frequency=1,2'], { env });
    expect(plan.code, plan.stderr).toBe(0);
    const text = plan.stdout.replace(/[0-9a-f]{12,16}/g, 'HASH');
    expect(text).toMatchInlineSnapshot(`
      "pipeline plan-matrix  sweep HASH  4 runs, at most 4 at once
      run 1  vocab_size=50 min_frequency=1  plan HASH
        corpus  corpus/download@v1  will run: never ran with these inputs
        small  tokenizer/wordpiece@v1  will run: upstream step "corpus" will run
        tuned  tokenizer/wordpiece@v1  will run: upstream step "corpus" will run
      run 2  vocab_size=50 min_frequency=2  plan HASH
        corpus  corpus/download@v1  runs once, in run 1
        small  tokenizer/wordpiece@v1  runs once, in run 1
        tuned  tokenizer/wordpiece@v1  runs once, in run 1 (as step "small")
      run 3  vocab_size=60 min_frequency=1  plan HASH
        corpus  corpus/download@v1  runs once, in run 1
        small  tokenizer/wordpiece@v1  will run: upstream step "corpus" will run
        tuned  tokenizer/wordpiece@v1  will run: upstream step "corpus" will run
      run 4  vocab_size=60 min_frequency=2  plan HASH
        corpus  corpus/download@v1  runs once, in run 1
        small  tokenizer/wordpiece@v1  runs once, in run 3
        tuned  tokenizer/wordpiece@v1  runs once, in run 3 (as step "small")
      4 runs; corpus runs once and is a cache hit in the other runs; small runs 2 times; tuned runs 2 times
      "
    `);
  });

  it('--json: the sweep hash and each run with its params and steps', async () => {
    const plan = await kiln(['plan', pipeline, '--matrix', 'min_frequency=1,2', '--json'], { env });
    expect(plan.code, plan.stderr).toBe(0);
    const parsed = JSON.parse(plan.stdout);
    expect(parsed.sweepHash).toMatch(/^[0-9a-f]{16}$/);
    expect(parsed.runs.map((r: { params: object }) => r.params)).toEqual([
      { vocab_size: 50, min_frequency: 1 }, { vocab_size: 50, min_frequency: 2 },
      { vocab_size: 60, min_frequency: 1 }, { vocab_size: 60, min_frequency: 2 },
    ]);
    const states = parsed.runs.map((r: { steps: Array<{ id: string; state: string; inRun?: number; as?: string }> }) =>
      r.steps.map((s) => `${s.id} ${s.state}${s.inRun ? ` ${s.inRun}` : ''}${s.as ? ` as ${s.as}` : ''}`));
    expect(states).toEqual([
      ['corpus will run', 'small will run', 'tuned will run'],
      // small's min_frequency defaults to 2: tuned with min_frequency=2 is the same step, to the cache.
      ['corpus runs once 1', 'small runs once 1', 'tuned runs once 1 as small'],
      ['corpus runs once 1', 'small will run', 'tuned will run'],
      ['corpus runs once 1', 'small runs once 3', 'tuned runs once 3 as small'],
    ]);
    expect(parsed.runs[0].steps[0].key).toMatch(/^[0-9a-f]{64}$/);
    expect(parsed.runs[3].steps[0].key).toBe(parsed.runs[0].steps[0].key);
  });

  it('a bad --matrix is a clear error, and more than 256 runs need --yes', async () => {
    const bad = await kiln(['plan', pipeline, '--matrix', 'vocab_size=50,big'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--set vocab_size: in --matrix: must be an integer, like the default 60 (got "big")');
    const syntax = await kiln(['plan', pipeline, '--matrix', 'vocab_size'], { env });
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toContain('--matrix vocab_size: expected NAME=VALUE,VALUE,...');

    const many = Array.from({ length: 130 }, (_, i) => i + 1).join(',');
    const refused = await kiln(['plan', pipeline, '--matrix', `min_frequency=${many}`, '--json'], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/pipeline\.yaml:\d+:1 matrix: the matrix makes 260 runs, more than 256\n {2}hint: pass --yes/);
    const allowed = await kiln(['plan', pipeline, '--matrix', `min_frequency=${many}`, '--yes', '--json'], { env });
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(JSON.parse(allowed.stdout).runs).toHaveLength(260);
  });
});

describe('collectMatrix', () => {
  it('collects NAME=V1,V2 flags; commas inside JSON arrays and objects stay in the value', () => {
    let m = collectMatrix('lr=1e-4,5e-4');
    m = collectMatrix('dims=[1,2],[3,4]', m);
    m = collectMatrix('model={"a":"x,]"},{}', m);
    m = collectMatrix('lr=1e-3', m);
    expect(m).toEqual({ lr: ['1e-4', '5e-4', '1e-3'], dims: ['[1,2]', '[3,4]'], model: ['{"a":"x,]"}', '{}'] });
    expect(() => collectMatrix('lr')).toThrow('--matrix lr: expected NAME=VALUE,VALUE,...');
    expect(() => collectMatrix('lr=1,,2')).toThrow('no empty value');
    expect(() => collectMatrix('=1')).toThrow('expected NAME=VALUE');
  });
});
