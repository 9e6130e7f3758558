// Cross-field rules (x-kiln.rules of the step schemas), checked at compile time with file:line:col like every
// other problem; values that are still references are skipped until run time.
import { describe, expect, it } from 'vitest';

import { checkPipelineSource } from '../../../compiler/compile';
import { formatDiagnostics } from '../../../compiler/errors';
import { checkRules, describeRule, type Rule } from '../../../compiler/rules';

const HEAD = `apiVersion: kiln/v1
kind: Pipeline
name: t
params:
  heads: 4
steps:
  corpus:
    uses: corpus/download@v1
    with: { sources: [{ dataset: sotu }] }
  tokenizer:
    uses: tokenizer/wordpiece@v1
    with: { corpus: "\${{ steps.corpus.outputs.corpus }}" }
  data:
    uses: bert/pretraining-data@v1
    with: { corpus: "\${{ steps.corpus.outputs.corpus }}", tokenizer: "\${{ steps.tokenizer.outputs.tokenizer }}" }
  labelled:
    uses: dataset/load@v1
    with: { sources: [{ dataset: sentiment-sentences }] }
`;

function errors(steps: string): string {
  const result = checkPipelineSource(HEAD + steps, 'p.yaml');
  return result.plan ? 'compiles' : formatDiagnostics(result.diagnostics);
}

describe('cross-field rules at compile time', () => {
  it('bert/pretrain@v1: heads divide the width (a param is checked too), warmup within the steps', () => {
    expect(errors(`  pretrain:
    uses: bert/pretrain@v1
    with:
      data: "\${{ steps.data.outputs.data }}"
      tokenizer: "\${{ steps.tokenizer.outputs.tokenizer }}"
      model: { hidden_size: 130, num_heads: "\${{ params.heads }}" }
      steps: 10
      optimizer: { warmup_steps: 20 }
`)).toMatchInlineSnapshot(`
  "p.yaml:24:45 steps.pretrain.with.model.num_heads: 4 does not divide model.hidden_size 130
    hint: each attention head gets hidden_size / num_heads dimensions; e.g. model.num_heads 2 or 5, or model.hidden_size 128 or 132
  p.yaml:26:34 steps.pretrain.with.optimizer.warmup_steps: must be at most steps = 10 (got 20)
    hint: warmup is part of training; BERT warmed up for about 1% of its steps"
`);
  });

  it('bert/pretraining-data@v1: predictions fit the maskable tokens, the default of one included', () => {
    expect(errors(`  data2:
    uses: bert/pretraining-data@v1
    with:
      corpus: "\${{ steps.corpus.outputs.corpus }}"
      tokenizer: "\${{ steps.tokenizer.outputs.tokenizer }}"
      max_seq_length: 16
`)).toMatchInlineSnapshot(`
  "p.yaml:21:5 steps.data2.with.max_predictions_per_seq: must be at most max_seq_length - 3 = 13 (got 20)
    hint: [CLS] and both [SEP]s are never masked; BERT uses about max_seq_length × masked_lm_prob, e.g. 20 for 128"
`);
  });

  it('dataset/load@v1: the held-out fractions leave something to train on', () => {
    expect(errors(`  labelled2:
    uses: dataset/load@v1
    with:
      sources: [{ dataset: sentiment-sentences }]
      split: { validation: 0.6, test: 0.5 }
`)).toMatchInlineSnapshot(`
  "p.yaml:23:14 steps.labelled2.with.split: validation + test must be below 1 (got 0.6 + 0.5 = 1.1)
    hint: the rest of each label is what the model trains on, e.g. split: { validation: 0.1, test: 0.1 }"
`);
  });

  it('bert/finetune@v1: from scratch needs a tokenizer, heads that divide the width and positions for max_seq_length', () => {
    expect(errors(`  finetune:
    uses: bert/finetune@v1
    with:
      model: { from_scratch: { hidden_size: 100, num_heads: 8, max_position_embeddings: 64 } }
      train: "\${{ steps.labelled.outputs.train }}"
      validation: "\${{ steps.labelled.outputs.validation }}"
      labels: "\${{ steps.labelled.outputs.labels }}"
`)).toMatchInlineSnapshot(`
  "p.yaml:21:5 steps.finetune.with: missing required key "tokenizer" when model.from_scratch is set
    hint: a fresh encoder needs a vocabulary: pass the tokenizer of a tokenizer/wordpiece@v1 step
  p.yaml:21:5 steps.finetune.with.max_seq_length: must be at most model.from_scratch.max_position_embeddings = 64 (got 128)
    hint: the model has no positions beyond max_position_embeddings: lower max_seq_length, or raise model.from_scratch.max_position_embeddings
  p.yaml:22:61 steps.finetune.with.model.from_scratch.num_heads: 8 does not divide model.from_scratch.hidden_size 100
    hint: each attention head gets hidden_size / num_heads dimensions; e.g. model.from_scratch.num_heads 5 or 10, or model.from_scratch.hidden_size 96 or 104"
`);
  });

  it('bert/evaluate@v1: the model suits the dataset, labels only with a split, gates on metrics the evaluation makes', () => {
    expect(errors(`  pretrain:
    uses: bert/pretrain@v1
    with: { data: "\${{ steps.data.outputs.data }}", tokenizer: "\${{ steps.tokenizer.outputs.tokenizer }}", steps: 10 }
  on-split:
    uses: bert/evaluate@v1
    with:
      model: "\${{ steps.pretrain.outputs.model }}"
      dataset: "\${{ steps.labelled.outputs.test }}"
      gate: { min: { accuracy: 0.8, mlm_accuracy: 0.1 } }
  on-data:
    uses: bert/evaluate@v1
    with:
      model: "\${{ steps.pretrain.outputs.model }}"
      dataset: "\${{ steps.data.outputs.data }}"
      labels: "\${{ steps.labelled.outputs.labels }}"
      gate: { max: { perplexity: 50, accuracy: 1 } }
`)).toMatchInlineSnapshot(`
  "p.yaml:25:7 steps.on-split.with.model.kind: must be "classifier" when dataset.kind is "dataset-split" (got "model")
    hint: a pretrained model has no classification head to evaluate on a labelled split: fine-tune it with bert/finetune@v1 and evaluate that model, or evaluate it on pretraining data
  p.yaml:27:37 steps.on-split.with.gate.min.mlm_accuracy: unknown key "mlm_accuracy" when dataset.kind is "dataset-split"
    hint: allowed when dataset.kind is "dataset-split": accuracy, macro_f1, macro_precision, macro_recall, loss, latency_ms; a classifier on a dataset split is scored on these
  p.yaml:33:15 steps.on-data.with.labels: is not allowed when dataset.kind is "pretraining-data"
    hint: labels name a classifier's classes; evaluate a classifier on a dataset split to check them
  p.yaml:34:38 steps.on-data.with.gate.max.accuracy: unknown key "accuracy" when dataset.kind is "pretraining-data"
    hint: allowed when dataset.kind is "pretraining-data": mlm_accuracy, mlm_loss, perplexity, nsp_accuracy, nsp_loss, loss, latency_ms; a pretrained encoder on pretraining data is scored on these"
`);
  });

  it('metrics/record@v1 and model/resolve@v1: max_drop bounds recorded metrics; alias or version, not both', () => {
    expect(errors(`  record:
    uses: metrics/record@v1
    with: { name: nightly, metrics: { accuracy: 0.8 }, max_drop: { acuracy: 0.1 } }
  resolve:
    uses: model/resolve@v1
    with: { name: sentiment, alias: staging, version: 3 }
`)).toMatchInlineSnapshot(`
  "p.yaml:21:68 steps.record.with.max_drop.acuracy: "acuracy" is not a key of metrics (did you mean "accuracy"?)
    hint: metrics has accuracy; max_drop bounds metrics that are recorded
  p.yaml:24:55 steps.resolve.with.version: set alias or version, not both
    hint: alias follows wherever it points now (e.g. NAME@production); version pins one (e.g. NAME:3)"
`);
  });

  it('skips what only the run knows: step outputs that are JSON values, and text made of them', () => {
    expect(errors(`  pretrain:
    uses: bert/pretrain@v1
    with:
      data: "\${{ steps.data.outputs.data }}"
      tokenizer: "\${{ steps.tokenizer.outputs.tokenizer }}"
      steps: "\${{ steps.data.outputs.stats }}"
      optimizer: { warmup_steps: 20 }
  record:
    uses: metrics/record@v1
    with: { name: nightly, metrics: "\${{ steps.labelled.outputs.stats }}", max_drop: { accuracy: 0.1 } }
`)).not.toContain('must be at most steps');
    expect(errors(`  record:
    uses: metrics/record@v1
    with: { name: nightly, metrics: "\${{ steps.labelled.outputs.stats }}", max_drop: { accuracy: 0.1 } }
`)).toBe('compiles');
  });
});

describe('rules', () => {
  const rules: Rule[] = [
    { rule: 'divides', divisor: 'a.heads', of: 'a.width' },
    { rule: 'not-both', paths: ['x', 'y'] },
    { rule: 'required', path: 'tok', when: { model: { scratch: {} } } },
  ];

  it('check resolved values (the activity edge) and read as words (the README reference)', () => {
    expect(checkRules(rules, { a: { heads: 3, width: 12 }, x: 1, model: { scratch: {} }, tok: 'v' })).toEqual([]);
    expect(checkRules(rules, { a: { heads: 5, width: 12 }, x: 1, y: 2, model: { scratch: {} } }).map((p) => `${p.path.join('.')}: ${p.message}`)).toEqual([
      'a.heads: 5 does not divide a.width 12',
      'y: set x or y, not both',
      ': missing required key "tok" when model.scratch is set',
    ]);
    expect(rules.map(describeRule)).toEqual(['`a.heads` divides `a.width`', 'not both `x` and `y`', '`tok` is required when `model.scratch` is set']);
  });

  it('skip values not known yet', () => {
    const known = (path: readonly (string | number)[]) => path[0] !== 'a';
    expect(checkRules(rules, { a: { heads: 5, width: 12 } }, known)).toEqual([]);
  });
});
