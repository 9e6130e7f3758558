import { describe, expect, it } from 'vitest';
import { HEAD, errorsOf } from './helpers';

const SOURCE = `  a:
    uses: text/source@v1
    with: { name: alpha }
`;

describe('references and dependencies', () => {
  it('reports unknown params, steps and outputs, with suggestions', () => {
    const yaml = `${HEAD}params:
  seed: 1
  source: beta
steps:
${SOURCE}  t:
    uses: text/tokenize@v1
    with:
      corpus: \${{ steps.aa.outputs.corpus }}
      note: "\${{ params.sourse }}"
  u:
    uses: text/tokenize@v1
    with:
      corpus: \${{ steps.a.outputs.corpse }}
`;
    expect(errorsOf(yaml)).toMatchInlineSnapshot(`
      "p.yaml:14:15 steps.t.with.corpus: unknown step "aa" (did you mean "a"?)
        hint: steps in this pipeline: a, t, u
      p.yaml:15:13 steps.t.with.note: unknown param "sourse" (did you mean "source"?)
        hint: params of this pipeline: source, seed
      p.yaml:19:15 steps.u.with.corpus: step "a" has no output "corpse" (did you mean "corpus"?)
        hint: outputs of text/source@v1: corpus, stats"
    `);
  });

  it('rejects self-references and needs that name unknown steps or the step itself', () => {
    const yaml = `${HEAD}steps:
${SOURCE}  t:
    uses: text/tokenize@v1
    needs: [a, tt, t]
    with:
      corpus: \${{ steps.a.outputs.corpus }}
      note: "\${{ steps.t.outputs.tokenizer }}"
`;
    expect(errorsOf(yaml)).toMatchInlineSnapshot(`
      "p.yaml:10:16 steps.t.needs[1]: unknown step "tt"
        hint: steps in this pipeline: a, t
      p.yaml:10:20 steps.t.needs[2]: step "t" cannot need itself
      p.yaml:13:13 steps.t.with.note: step "t" cannot use its own output
        hint: a step can only use outputs of other steps"
    `);
  });

  it('prints a cycle in order and reports it where it starts', () => {
    const yaml = `${HEAD}steps:
  a:
    uses: text/source@v1
    needs: [b]
    with: { name: alpha }
  b:
    uses: text/source@v1
    needs: [c]
    with: { name: alpha }
  c:
    uses: text/tokenize@v1
    with: { corpus: "\${{ steps.a.outputs.corpus }}" }
  d:
    uses: text/source@v1
    needs: [a]
    with: { name: alpha }
`;
    expect(errorsOf(yaml)).toMatchInlineSnapshot(`
      "p.yaml:7:13 steps.a.needs[0]: dependency cycle: a -> b -> c -> a
        hint: each step here waits for the next one, so none can start: remove one of these references or needs"
    `);
  });

  it('checks output kinds against the artifact kinds the step type expects', () => {
    const yaml = `${HEAD}steps:
${SOURCE}  t:
    uses: text/tokenize@v1
    with: { corpus: "\${{ steps.a.outputs.corpus }}" }
  m:
    uses: model/train@v1
    with:
      data: \${{ steps.t.outputs.tokenizer }}
      tokenizer: \${{ steps.a.outputs.stats }}
      steps: \${{ steps.a.outputs.corpus }}
      init: { from: "kiln \${{ steps.a.outputs.corpus }}" }
`;
    expect(errorsOf(yaml)).toMatchInlineSnapshot(`
      "p.yaml:14:13 steps.m.with.data: must be a "corpus" artifact, but steps.t.outputs.tokenizer is a "tokenizer" artifact
        hint: "corpus" artifacts in this pipeline: \${{ steps.a.outputs.corpus }}
      p.yaml:15:18 steps.m.with.tokenizer: must be a "tokenizer" artifact, but steps.a.outputs.stats is a JSON value
        hint: "tokenizer" artifacts in this pipeline: \${{ steps.t.outputs.tokenizer }}
      p.yaml:16:14 steps.m.with.steps: must be an integer, but steps.a.outputs.corpus is a "corpus" artifact
      p.yaml:17:21 steps.m.with.init.from: must be a "model" artifact, not text
        hint: to pass an artifact, make the expression the whole value: "\${{ steps.ID.outputs.NAME }}""
    `);
  });

  it('lets a json output go anywhere that is not an artifact input', () => {
    const yaml = `${HEAD}steps:
${SOURCE}  t:
    uses: text/tokenize@v1
    with:
      corpus: \${{ steps.a.outputs.corpus }}
      vocab_size: \${{ steps.a.outputs.stats }}
      note: "stats: \${{ steps.a.outputs.stats }}"
  m:
    uses: model/train@v1
    with:
      data: \${{ steps.a.outputs.corpus }}
      tokenizer: \${{ steps.t.outputs.tokenizer }}
      steps: 5
      notes: 1
`;
    // Only the unknown key: the json references pass.
    expect(errorsOf(yaml)).toMatchInlineSnapshot(`
      "p.yaml:20:7 steps.m.with.notes: unknown key "notes"
        hint: allowed keys: data, tokenizer, steps, seed, label, optimizer, init"
    `);
  });

  it('rejects malformed expressions, expressions outside `with`, and reserved keys', () => {
    const yaml = `${HEAD}description: built from \${{ params.x }}
params:
  x: 1
steps:
${SOURCE}  t:
    uses: text/tokenize@v1
    with:
      corpus: \${{ steps.a.outputs.corpus }}
      note: "\${{ env.HOME }}"
      vocab_size: "\${{ params.x "
  u:
    uses: text/tokenize@v1
    with:
      corpus: { $ref: { step: a, output: corpus } }
`;
    expect(errorsOf(yaml)).toMatchInlineSnapshot(`
      "p.yaml:4:14 description: expressions are only allowed in step "with" values
        hint: params and step outputs can be used in a step's "with:" only
      p.yaml:15:13 steps.t.with.note: unsupported expression "\${{ env.HOME }}"
        hint: the only expressions are \${{ params.NAME }} and \${{ steps.ID.outputs.NAME }}
      p.yaml:16:19 steps.t.with.vocab_size: "\${{" without a closing "}}"
        hint: the only expressions are \${{ params.NAME }} and \${{ steps.ID.outputs.NAME }}
      p.yaml:20:15 steps.u.with.corpus: must be a "corpus" artifact (got an object)
        hint: use \${{ steps.ID.outputs.NAME }} of a step whose output is a "corpus" artifact
      p.yaml:20:23 steps.u.with.corpus["$ref"]: "$ref" is a reserved key
        hint: use \${{ steps.ID.outputs.NAME }} to refer to another step's output"
    `);
  });

  it('does not let a param smuggle in a reference', () => {
    const yaml = `${HEAD}params:
  extra: {}
steps:
${SOURCE}  m:
    uses: model/train@v1
    with:
      data: \${{ steps.a.outputs.corpus }}
      tokenizer: \${{ steps.a.outputs.corpus }}
      steps: 1
      init: \${{ params.extra }}
`;
    const set = { extra: '{"$ref": {"step": "a", "output": "corpus"}}' };
    expect(errorsOf(yaml, { set })).toMatchInlineSnapshot(`
      "p.yaml:14:18 steps.m.with.tokenizer: must be a "tokenizer" artifact, but steps.a.outputs.corpus is a "corpus" artifact
        hint: no step in this pipeline outputs a "tokenizer" artifact
      p.yaml:16:7 steps.m.with.init: must have one of the keys: from, scratch
      p.yaml:16:13 steps.m.with.init: param "extra" holds a reserved key ("$ref" or "$template")
        hint: params are plain data; step outputs are referred to with \${{ steps.ID.outputs.NAME }}"
    `);
  });
});
