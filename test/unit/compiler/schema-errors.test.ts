import { describe, expect, it } from 'vitest';
import { HEAD, errorsOf } from './helpers';

describe('schema errors', () => {
  it('reports an unknown key at the key, with did-you-mean and the allowed keys', () => {
    const yaml = `${HEAD}steps:
  a:
    uses: text/source@v1
    retires: 3
    with: { name: alpha }
`;
    expect(errorsOf(yaml)).toMatchInlineSnapshot(`
      "p.yaml:7:5 steps.a.retires: unknown key "retires" (did you mean "retry"?)
        hint: allowed keys: uses, with, needs, resources, timeout, heartbeat_timeout, retry, cache"
    `);
  });

  it('reports bounds, enums and types in `with` at the value', () => {
    const yaml = `${HEAD}steps:
  a:
    uses: text/source@v1
    with:
      name: alpah
      lines: 0
  b:
    uses: text/tokenize@v1
    with:
      corpus: \${{ steps.a.outputs.corpus }}
      vocab_size: lots
`;
    expect(errorsOf(yaml)).toMatchInlineSnapshot(`
      "p.yaml:8:13 steps.a.with.name: must be one of: alpha, beta, gamma (got "alpah")
        hint: did you mean "alpha"?
      p.yaml:9:14 steps.a.with.lines: must be >= 1 (got 0)
      p.yaml:14:19 steps.b.with.vocab_size: must be an integer (got "lots")"
    `);
  });

  it('reports a missing required key at the parent key', () => {
    const yaml = `${HEAD}steps:
  a:
    uses: text/source@v1
    with:
      lines: 3
  b:
    with: { name: alpha }
`;
    expect(errorsOf(yaml)).toMatchInlineSnapshot(`
      "p.yaml:7:5 steps.a.with: missing required key "name"
        hint: name: which built-in text
      p.yaml:9:3 steps.b: missing required key "uses"
        hint: uses: step type, family/name@vN"
    `);
  });

  it('checks the top level: apiVersion, kind, name, durations, retry, resources', () => {
    const yaml = `apiVersion: kiln/v2
kind: Pipline
name: My Pipeline
defaults:
  timeout: 5 minutes
  retry: { max_attempts: 0, backof: 2 }
steps:
  a:
    uses: text/source@v1
    heartbeat_timeout: 0s
    resources: { accelerator: tpu }
    with: { name: alpha }
`;
    expect(errorsOf(yaml)).toMatchInlineSnapshot(`
      "p.yaml:1:13 apiVersion: must be "kiln/v1" (got "kiln/v2")
      p.yaml:2:7 kind: must be "Pipeline" (got "Pipline")
      p.yaml:3:7 name: must be lowercase letters, digits and dashes, starting with a letter, at most 63 characters (got "My Pipeline")
      p.yaml:5:12 defaults.timeout: must be a duration like 500ms, 30s, 5m, 12h or 2d (got "5 minutes")
      p.yaml:6:26 defaults.retry.max_attempts: must be >= 1 (got 0)
      p.yaml:6:29 defaults.retry.backof: unknown key "backof" (did you mean "backoff"?)
        hint: allowed keys: max_attempts, initial_interval, backoff, max_interval
      p.yaml:10:24 steps.a.heartbeat_timeout: must be a duration like 500ms, 30s, 5m, 12h or 2d (got "0s")
      p.yaml:11:31 steps.a.resources.accelerator: must be one of: cpu, gpu (got "tpu")
        hint: did you mean "cpu"?"
    `);
  });

  it('rejects an empty steps map, bad step ids and malformed step types', () => {
    expect(errorsOf(`${HEAD}steps: {}\n`)).toMatchInlineSnapshot(`"p.yaml:4:8 steps: a pipeline needs at least one step"`);
    const yaml = `${HEAD}steps:
  Fetch_Data:
    uses: text/source
    with: { name: alpha }
`;
    expect(errorsOf(yaml)).toMatchInlineSnapshot(`
      "p.yaml:5:3 steps.Fetch_Data: invalid step id "Fetch_Data": must be lowercase letters, digits and dashes, starting with a letter
      p.yaml:6:11 steps.Fetch_Data.uses: must be a step type like family/name@v1 (got "text/source")"
    `);
  });

  it('lists the known step types, closest first, for an unknown one', () => {
    const yaml = `${HEAD}steps:
  a:
    uses: text/tokenise@v1
    with: { name: alpha }
`;
    expect(errorsOf(yaml)).toMatchInlineSnapshot(`
      "p.yaml:6:11 steps.a.uses: unknown step type "text/tokenise@v1"
        hint: known step types: text/tokenize@v1, text/source@v1, model/train@v1"
    `);
  });

  it('reports only the oneOf branch that was meant', () => {
    const yaml = `${HEAD}steps:
  a:
    uses: text/source@v1
    with: { name: alpha }
  t:
    uses: text/tokenize@v1
    with: { corpus: "\${{ steps.a.outputs.corpus }}" }
  m:
    uses: model/train@v1
    with:
      data: \${{ steps.a.outputs.corpus }}
      tokenizer: \${{ steps.t.outputs.tokenizer }}
      steps: 10
      init: { scratch: true, width: 4 }
  n:
    uses: model/train@v1
    with:
      data: \${{ steps.a.outputs.corpus }}
      tokenizer: \${{ steps.t.outputs.tokenizer }}
      steps: 10
      init: { scrach: true }
  o:
    uses: model/train@v1
    with:
      data: \${{ steps.a.outputs.corpus }}
      tokenizer: \${{ steps.t.outputs.tokenizer }}
      steps: 10
      init: 7
`;
    expect(errorsOf(yaml)).toMatchInlineSnapshot(`
      "p.yaml:17:37 steps.m.with.init.width: must be >= 8 (got 4)
      p.yaml:24:7 steps.n.with.init: must have one of the keys: from, scratch
        hint: did you mean "scratch" instead of "scrach"?
      p.yaml:31:13 steps.o.with.init: must be an object (got 7)"
    `);
  });

  it('validates the schedule', () => {
    const base = `${HEAD}steps:\n  a:\n    uses: text/source@v1\n    with: { name: alpha }\n`;
    expect(errorsOf(`${base}schedule:\n  overlap: skipp\n`)).toMatchInlineSnapshot(`
      "p.yaml:8:1 schedule: must have one of the keys: cron, every
      p.yaml:9:12 schedule.overlap: must be one of: skip, buffer_one, buffer_all, cancel_other, allow_all (got "skipp")
        hint: did you mean "skip"?"
    `);
    expect(errorsOf(`${base}schedule: { cron: "0 3 * * *", every: 1h, catchup_window: 1 week }\n`)).toMatchInlineSnapshot(`
      "p.yaml:8:1 schedule: must have only one of: cron, every
      p.yaml:8:59 schedule.catchup_window: must be a duration like 500ms, 30s, 5m, 12h or 2d (got "1 week")"
    `);
  });

  it('reports a retry whose max_interval is below its initial_interval', () => {
    const yaml = `${HEAD}steps:
  a:
    uses: text/source@v1
    retry: { initial_interval: 10m }
    with: { name: alpha }
`;
    expect(errorsOf(yaml)).toMatchInlineSnapshot(`
      "p.yaml:7:5 steps.a.retry: retry.max_interval (5m) is shorter than retry.initial_interval (10m)
        hint: the wait between attempts grows from initial_interval up to max_interval: set max_interval >= initial_interval"
    `);
  });

  it('reports every error at once, in file order', () => {
    const yaml = `${HEAD}params:
  seed: 1
steps:
  a:
    uses: text/source@v1
    cache: maybe
    with: { name: alpha, lines: -1 }
  b:
    uses: text/tokenize@v1
    timout: 5m
    with:
      corpus: \${{ steps.a.outputs.corpus }}
      vocab_size: \${{ params.sed }}
`;
    const text = errorsOf(yaml, { set: { seed: 'x' } });
    expect(text.split('\n').filter((l) => !l.startsWith('  hint:'))).toHaveLength(5);
    expect(text).toMatchInlineSnapshot(`
      "--set seed: must be an integer, like the default 1 (got "x")
      p.yaml:9:12 steps.a.cache: must be a boolean (true or false) (got "maybe")
      p.yaml:10:33 steps.a.with.lines: must be >= 1 (got -1)
      p.yaml:13:5 steps.b.timout: unknown key "timout" (did you mean "timeout"?)
        hint: allowed keys: uses, with, needs, resources, timeout, heartbeat_timeout, retry, cache
      p.yaml:16:19 steps.b.with.vocab_size: unknown param "sed" (did you mean "seed"?)
        hint: params of this pipeline: seed"
    `);
  });
});
