// The compiler against the real step catalog's corpus/download@v1: its `sources` are a oneOf.
import { describe, expect, it } from 'vitest';
import { checkPipelineSource, compilePipelineSource } from '../../../compiler/compile';
import { formatDiagnostics } from '../../../compiler/errors';
import { HEAD } from './helpers';

function pipeline(sources: string): string {
  return `${HEAD}steps:\n  corpus:\n    uses: corpus/download@v1\n    with:\n      sources:\n${sources}`;
}

describe('corpus/download@v1 in a pipeline', () => {
  it('applies defaults, including those inside the matching source form', async () => {
    const yaml = pipeline('        - { dataset: sotu, limit: 2 }\n        - { url: "https://example.org/a.txt.gz" }\n');
    const plan = await compilePipelineSource(yaml, 'p.yaml');
    expect(plan.steps[0]!.inputs).toEqual({
      sources: [{ dataset: 'sotu', limit: 2 }, { url: 'https://example.org/a.txt.gz', format: 'text' }],
      min_sentence_chars: 1,
    });
  });

  it('reports the errors of the source form that was meant, not of every form', () => {
    const yaml = pipeline(
      '        - { dataset: sotuu }\n' +
        '        - { url: "ftp://example.org/a.txt", sha256: abc }\n' +
        '        - { datset: sotu }\n' +
        '        - { file: a.txt, limit: 3 }\n' +
        '        - https://example.org/b.txt\n',
    );
    const { diagnostics } = checkPipelineSource(yaml, 'p.yaml');
    expect(formatDiagnostics(diagnostics)).toMatchInlineSnapshot(`
      "p.yaml:9:22 steps.corpus.with.sources[0].dataset: must be one of: sotu, brown, moby-dick (got "sotuu")
        hint: did you mean "sotu"?
      p.yaml:10:18 steps.corpus.with.sources[1].url: must match the pattern ^https?:// (got "ftp://example.org/a.txt")
        hint: http:// or https:// address
      p.yaml:10:53 steps.corpus.with.sources[1].sha256: must be 64 lowercase hex digits (got "abc")
      p.yaml:11:11 steps.corpus.with.sources[2]: must have one of the keys: url, file, dataset
        hint: did you mean "dataset" instead of "datset"?
      p.yaml:12:26 steps.corpus.with.sources[3].limit: unknown key "limit"
        hint: allowed keys: file, sha256, format
      p.yaml:13:11 steps.corpus.with.sources[4]: must be an object (got "https://example.org/b.txt")"
    `);
  });
});
