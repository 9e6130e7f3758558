// dataset/load@v1 in the real step catalog, through the compiler.
import { describe, expect, it } from 'vitest';

import { checkPipelineSource, compilePipelineSource } from '../../../compiler/compile';
import { formatDiagnostics } from '../../../compiler/errors';

const HEAD = 'apiVersion: kiln/v1\nkind: Pipeline\nname: t\nsteps:\n  data:\n    uses: dataset/load@v1\n    with:\n';

describe('dataset/load@v1 in a pipeline', () => {
  it('applies defaults, including the split and the built-in dataset subsets', async () => {
    const plan = await compilePipelineSource(`${HEAD}      sources: [{ dataset: sentiment-sentences }, { file: extra.csv }]\n`, 'p.yaml');
    const step = plan.steps[0]!;
    expect(step.inputs).toEqual({
      sources: [{ dataset: 'sentiment-sentences', subsets: ['imdb', 'yelp', 'amazon'] }, { file: 'extra.csv' }],
      text_field: 'text',
      label_field: 'label',
      split: { validation: 0.1, test: 0.1, seed: 13 },
    });
    expect(step.outputs).toEqual(['train', 'validation', 'test', 'labels', 'stats']);
  });

  it('fills in a partly given split', async () => {
    const plan = await compilePipelineSource(`${HEAD}      sources: [{ file: a.tsv }]\n      split: { seed: 7 }\n`, 'p.yaml');
    expect(plan.steps[0]!.inputs.split).toEqual({ validation: 0.1, test: 0.1, seed: 7 });
  });

  it('reports wrong values where they are', () => {
    const yaml = `${HEAD}      sources: [{ dataset: sentiment }, { file: a.csv, subsets: [imdb] }]\n      format: xlsx\n      split: { validation: 1.5 }\n`;
    const text = formatDiagnostics(checkPipelineSource(yaml, 'p.yaml').diagnostics);
    expect(text).toContain('steps.data.with.sources[0].dataset: must be one of: sentiment-sentences (got "sentiment")');
    expect(text).toContain('steps.data.with.sources[1].subsets: unknown key "subsets"');
    expect(text).toContain('steps.data.with.format: must be one of: csv, tsv, jsonl (got "xlsx")');
    expect(text).toContain('steps.data.with.split.validation');
  });
});
