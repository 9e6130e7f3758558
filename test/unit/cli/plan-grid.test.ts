import { describe, expect, it } from 'vitest';

import { canonicalJson, sha256Hex } from '../../../compiler/canonical';
import { checkSweepSource } from '../../../compiler/matrix';
import type { Plan } from '../../../compiler/types';
import type { CachePreview } from '../../../cli/cache-preview';
import { gridJson, gridText, previewGrid } from '../../../cli/plan-grid';
import { HEAD, testCatalog } from '../compiler/helpers';

const PIPELINE = `${HEAD}params:
  seed: 42
  steps: 300
  source: alpha
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

function sweepOf(matrix: string) {
  const { sweep, diagnostics } = checkSweepSource(PIPELINE + matrix, 'p.yaml', { catalog: testCatalog() });
  expect(diagnostics).toEqual([]);
  return sweep!;
}

/**
 * previewCache's answers without a store: a step whose upstream will run has no key yet; the others have one
 * (a hash of their inputs) and are cached when their id is in `cached`.
 */
function fakePreview(cached: string[] = []) {
  return async (plan: Plan): Promise<Map<string, CachePreview>> => {
    const out = new Map<string, CachePreview>();
    for (const step of plan.steps) {
      const upstream = step.dependsOn.filter((d) => out.get(d)?.state !== 'cached');
      // Like a real key, it follows from the cached outputs of the steps before it.
      const upstreamKeys = step.dependsOn.map((d) => out.get(d)?.key ?? null);
      const key = sha256Hex(canonicalJson({ type: step.type, inputs: step.inputs, upstreamKeys }));
      if (upstream.length > 0) out.set(step.id, { state: 'will run', reasons: upstream.map((d) => `upstream step "${d}" will run`) });
      else if (cached.includes(step.id)) out.set(step.id, { state: 'cached', key, producer: 'earlier-run', outputs: {} });
      else out.set(step.id, { state: 'will run', reasons: ['no previous result with these inputs'], key });
    }
    return out;
  };
}

describe('kiln plan of a matrix', () => {
  it('shows each run, and the upstream steps that run once and are cache hits in the other runs', async () => {
    const sweep = sweepOf('matrix:\n  seed: [1, 2]\n  steps: [10, 20]\nmatrix_options: { max_parallel: 2 }\n');
    const runs = await previewGrid(sweep, fakePreview());
    const text = gridText(sweep, runs).replace(/plan [0-9a-f]{12}/g, 'plan HASH').replace(sweep.sweepHash, 'SWEEP');
    expect(text).toMatchInlineSnapshot(`
      "pipeline t  sweep SWEEP  4 runs, at most 2 at once
      run 1  seed=1 steps=10  plan HASH
        corpus  text/source@v1  will run: no previous result with these inputs
        tokenizer  text/tokenize@v1  will run: upstream step "corpus" will run
        train  model/train@v1  will run: upstream step "corpus" will run; upstream step "tokenizer" will run
      run 2  seed=1 steps=20  plan HASH
        corpus  text/source@v1  runs once, in run 1
        tokenizer  text/tokenize@v1  runs once, in run 1
        train  model/train@v1  will run: upstream step "corpus" will run; upstream step "tokenizer" will run
      run 3  seed=2 steps=10  plan HASH
        corpus  text/source@v1  runs once, in run 1
        tokenizer  text/tokenize@v1  runs once, in run 1
        train  model/train@v1  will run: upstream step "corpus" will run; upstream step "tokenizer" will run
      run 4  seed=2 steps=20  plan HASH
        corpus  text/source@v1  runs once, in run 1
        tokenizer  text/tokenize@v1  runs once, in run 1
        train  model/train@v1  will run: upstream step "corpus" will run; upstream step "tokenizer" will run
      4 runs; corpus, tokenizer run once and are cache hits in the other runs"
    `);

    const json = gridJson(sweep, runs) as { runs: Array<{ params: object; steps: Array<{ id: string; key: string | null; state: string }> }> };
    expect(json).toMatchObject({ pipeline: 't', sweepHash: sweep.sweepHash, maxParallel: 2, failFast: false });
    expect(json.runs.map((r) => r.params)).toEqual([{ seed: 1, steps: 10 }, { seed: 1, steps: 20 }, { seed: 2, steps: 10 }, { seed: 2, steps: 20 }]);
    expect(json.runs[3]!.steps).toEqual([
      { id: 'corpus', key: runs[0]!.steps[0]!.key, state: 'runs once', inRun: 1 },
      { id: 'tokenizer', key: null, state: 'runs once', inRun: 1 },
      { id: 'train', key: null, state: 'will run', reasons: ['upstream step "corpus" will run', 'upstream step "tokenizer" will run'] },
    ]);
    expect(runs[0]!.steps[0]!.key).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a step that depends on one swept param runs once per value of it; cached steps stay cached', async () => {
    const sweep = sweepOf('matrix:\n  source: [alpha, beta]\n  seed: [1, 2]\n');
    expect((await previewGrid(sweep, fakePreview())).map((r) => r.steps.map((s) => (s.state === 'runs once' ? `once in ${s.inRun}` : s.state)))).toEqual([
      ['will run', 'will run', 'will run'],
      ['once in 1', 'once in 1', 'will run'],
      ['will run', 'will run', 'will run'],
      ['once in 3', 'once in 3', 'will run'],
    ]);
    const lines = (runs: Awaited<ReturnType<typeof previewGrid>>) => gridText(sweep, runs).split('\n');
    expect(lines(await previewGrid(sweep, fakePreview())).at(-1)).toBe('4 runs; corpus runs 2 times; tokenizer runs 2 times');
    const cached = await previewGrid(sweep, fakePreview(['corpus']));
    expect(lines(cached).at(-1)).toBe('4 runs; corpus is cached already; tokenizer runs 2 times');
    expect(lines(cached)[2]).toMatch(/^ {2}corpus {2}text\/source@v1 {2}cached \(key [0-9a-f]{12}, from run earlier-run\)$/);
    // --no-cache: nothing is shared.
    expect(lines(await previewGrid(sweep, fakePreview(), { noCache: true })).at(-1)).toBe('4 runs; every step runs in every run');
  });
});
