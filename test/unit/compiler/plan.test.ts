import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '../../../compiler/canonical';
import { compilePipelineFile, compilePipelineSource, validatePipelineFile } from '../../../compiler/compile';
import { CompileError } from '../../../compiler/errors';
import { planHash } from '../../../compiler/plan';
import { FIXTURES, HEAD, testCatalog } from './helpers';

const QUICKSTART = `${FIXTURES}quickstart-like.yaml`;
const corpusRef = { $ref: { step: 'corpus', output: 'corpus' } };
const defaultsRetry = { maxAttempts: 5, initialIntervalMs: 5_000, backoff: 2, maxIntervalMs: 60_000 };

describe('compiling a valid pipeline', () => {
  it('builds the plan: topological order, dependencies, inputs with defaults, options by precedence', async () => {
    const plan = await compilePipelineFile(QUICKSTART, { catalog: testCatalog() });
    const bytes = await readFile(QUICKSTART);
    expect(plan.source).toEqual({ file: QUICKSTART, dir: FIXTURES.replace(/\/$/, ''), sha256: sha256Hex(bytes) });
    expect(plan.apiVersion).toBe('kiln/v1');
    expect(plan.pipeline).toBe('quickstart-like');
    expect(plan.description).toBe('Tokenize a text and train on it.');
    expect(plan.params).toEqual({ seed: 42, train_steps: 300, source: 'alpha', tags: ['a', 'b'] });
    expect(plan.schedule).toEqual({ cron: '0 3 * * *', overlap: 'skip' });
    expect(plan.steps).toEqual([
      {
        id: 'corpus',
        type: 'text/source@v1',
        inputs: { name: 'alpha', lines: 10 },
        dependsOn: [],
        outputs: ['corpus', 'stats'],
        // pipeline defaults (timeout 45m, retry) over the built-in ones; the type sets nothing
        options: { taskQueue: 'kiln', startToCloseTimeoutMs: 45 * 60_000, retry: defaultsRetry },
        cache: false,
        position: { line: 28, col: 3 },
      },
      {
        id: 'tokenizer',
        type: 'text/tokenize@v1',
        inputs: { corpus: corpusRef, note: 'tags ["a","b"]', vocab_size: 8000, lowercase: true },
        dependsOn: ['corpus'],
        outputs: ['tokenizer'],
        // the pipeline's timeout (45m) beats the type's (10m)
        options: { taskQueue: 'kiln', startToCloseTimeoutMs: 45 * 60_000, retry: defaultsRetry },
        cache: true,
        position: { line: 33, col: 3 },
      },
      {
        id: 'train',
        type: 'model/train@v1',
        inputs: {
          data: corpusRef,
          tokenizer: { $ref: { step: 'tokenizer', output: 'tokenizer' } },
          steps: 300,
          seed: 42,
          label: { $template: ['run-alpha-42 on ', corpusRef] },
          init: { scratch: true, width: 128 },
          optimizer: { learning_rate: 0.001, warmup_steps: 0 },
        },
        dependsOn: ['corpus', 'tokenizer'],
        outputs: ['model', 'metrics'],
        options: {
          taskQueue: 'kiln-gpu',
          startToCloseTimeoutMs: 12 * 3_600_000, // step
          heartbeatTimeoutMs: 30_000, // type
          // max_attempts: step; initial_interval: type; backoff: built-in; max_interval: pipeline defaults
          retry: { maxAttempts: 20, initialIntervalMs: 1_000, backoff: 2, maxIntervalMs: 60_000 },
        },
        cache: true,
        position: { line: 16, col: 3 },
      },
      {
        id: 'report',
        type: 'text/source@v1',
        inputs: { name: 'beta', lines: 1 },
        dependsOn: ['train'],
        outputs: ['corpus', 'stats'],
        options: { taskQueue: 'reports', startToCloseTimeoutMs: 45 * 60_000, heartbeatTimeoutMs: 15_000, retry: defaultsRetry },
        cache: true,
        position: { line: 38, col: 3 },
      },
    ]);
    expect(plan.planHash).toBe(planHash(plan));
    expect(plan.planHash).toMatch(/^[0-9a-f]{64}$/);
    expect(await validatePipelineFile(QUICKSTART, { catalog: testCatalog() })).toEqual([]);
  });

  it('uses the built-in options when nothing else sets them', async () => {
    const yaml = `${HEAD}steps:\n  a:\n    uses: text/source@v1\n    with: { name: gamma }\n`;
    const plan = await compilePipelineSource(yaml, 'p.yaml', { catalog: testCatalog() });
    expect(plan.steps[0]!.options).toEqual({
      taskQueue: 'kiln',
      startToCloseTimeoutMs: 30 * 60_000,
      retry: { maxAttempts: 3, initialIntervalMs: 5_000, backoff: 2, maxIntervalMs: 5 * 60_000 },
    });
    expect(plan).not.toHaveProperty('description');
    expect(plan).not.toHaveProperty('schedule');
  });

  it('keeps the plan hash across key order, whitespace and comments, and changes it with params', async () => {
    const catalog = testCatalog();
    const plan = await compilePipelineFile(QUICKSTART, { catalog });
    const reformatted = await compilePipelineFile(`${FIXTURES}quickstart-like-reformatted.yaml`, { catalog });
    expect(reformatted.source.sha256).not.toBe(plan.source.sha256);
    expect(reformatted.planHash).toBe(plan.planHash);

    const text = await readFile(QUICKSTART, 'utf8');
    const elsewhere = await compilePipelineSource(text, '/somewhere/else.yaml', { catalog });
    expect(elsewhere.planHash).toBe(plan.planHash);

    const overridden = await compilePipelineFile(QUICKSTART, { catalog, set: { train_steps: '500' } });
    expect(overridden.params.train_steps).toBe(500);
    expect(overridden.steps.find((s) => s.id === 'train')!.inputs.steps).toBe(500);
    expect(overridden.planHash).not.toBe(plan.planHash);
    const same = await compilePipelineFile(QUICKSTART, { catalog, set: { train_steps: '300' } });
    expect(same.planHash).toBe(plan.planHash);
  });

  it('throws a CompileError holding every diagnostic', async () => {
    const yaml = `${HEAD}steps:\n  a:\n    uses: text/source@v1\n    with: { name: delta, lines: 0 }\n`;
    const error = await compilePipelineSource(yaml, 'p.yaml', { catalog: testCatalog() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CompileError);
    expect((error as CompileError).diagnostics.map((d) => `${d.line}:${d.col} ${d.path}`)).toEqual([
      '7:19 steps.a.with.name',
      '7:33 steps.a.with.lines',
    ]);
    expect((error as CompileError).message).toMatchInlineSnapshot(`
      "2 errors in pipeline:
      p.yaml:7:19 steps.a.with.name: must be one of: alpha, beta, gamma (got "delta")
      p.yaml:7:33 steps.a.with.lines: must be >= 1 (got 0)"
    `);
  });
});

describe('canonical JSON', () => {
  it('sorts keys at every depth and has no whitespace', () => {
    expect(canonicalJson({ b: [3, { z: 1, a: null }], a: 'x', c: { y: true, x: 1.5 } })).toBe(
      '{"a":"x","b":[3,{"a":null,"z":1}],"c":{"x":1.5,"y":true}}',
    );
  });

  it('hashes with sha256', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
