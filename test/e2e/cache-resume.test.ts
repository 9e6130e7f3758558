import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { Client, Connection } from '@temporalio/client';
import { beforeAll, describe, expect, inject, it } from 'vitest';

import { kiln } from '../helpers/kiln-cli';

// The step cache and `kiln resume`, as a user meets them: through the CLI, on the test run's dev server.
let dir: string;
let pipeline: string;
let corpus: string;

const PIPELINE = `apiVersion: kiln/v1
kind: Pipeline
name: cache-e2e
params:
  vocab_size: 60
  vocab: vocab.txt
defaults:
  retry: { max_attempts: 1 }
steps:
  corpus:
    uses: corpus/download@v1
    with:
      sources: [{ file: corpus.txt }]
  trained:
    uses: tokenizer/wordpiece@v1
    with:
      corpus: "\${{ steps.corpus.outputs.corpus }}"
      vocab_size: "\${{ params.vocab_size }}"
      min_frequency: 1
  loaded:
    uses: tokenizer/wordpiece@v1
    needs: [trained]
    with:
      corpus: "\${{ steps.corpus.outputs.corpus }}"
      vocab: "\${{ params.vocab }}"
`;

async function runJson(args: string[]) {
  const result = await kiln(['run', pipeline, '--json', ...args]);
  return { ...result, state: result.stdout ? JSON.parse(result.stdout) : undefined };
}
const cachedFlags = (state: { steps: Array<{ id: string; cached: boolean; status: string }> }) =>
  Object.fromEntries(state.steps.map((s) => [s.id, s.cached]));

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-cache-'));
  pipeline = path.join(dir, 'pipeline.yaml');
  corpus = path.join(dir, 'corpus.txt');
  await fs.writeFile(pipeline, PIPELINE);
  // Content unique to this test run, so no other test's cache entries can match.
  await fs.writeFile(corpus, `Run ${randomBytes(6).toString('hex')} begins here. The cat sat on the mat.\nThe dog sat on the log.\n`);
  await fs.writeFile(path.join(dir, 'vocab.txt'), ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'cat', 'sat', 'on'].join('\n') + '\n');
});

describe('step cache', () => {
  it('a second run of an unchanged pipeline finishes from cache, and plan says so', async () => {
    const first = await runJson([]);
    expect(first.code, first.stderr).toBe(0);
    expect(cachedFlags(first.state)).toEqual({ corpus: false, trained: false, loaded: false });

    const plan = await kiln(['plan', pipeline]);
    expect(plan.stdout.match(/cached \(key [0-9a-f]{12}, from run cache-e2e-/g)).toHaveLength(3);

    const second = await runJson([]);
    expect(second.code).toBe(0);
    expect(cachedFlags(second.state)).toEqual({ corpus: true, trained: true, loaded: true });
    expect(second.state.steps[0].outputs.corpus.digest).toBe(first.state.steps[0].outputs.corpus.digest);
    // `kiln run` found the hits before starting (no step became an activity), and the run records their keys.
    const keys = (state: { steps: Array<{ cacheKey?: string }> }) => state.steps.map((s) => s.cacheKey);
    expect(keys(second.state)).toEqual(keys(first.state));
    expect(keys(second.state).every((key) => /^[0-9a-f]{64}$/.test(key ?? ''))).toBe(true);
    expect(second.state.steps.every((s: { attempts: number }) => s.attempts === 0)).toBe(true);
  });

  it('a changed param misses for the steps it reaches, and plan names the input', async () => {
    const plan = await kiln(['plan', pipeline, '--set', 'vocab_size=70', '--json']);
    const cache = JSON.parse(plan.stdout).cache;
    expect(cache.corpus.state).toBe('cached');
    expect(cache.trained.reasons).toEqual(['input vocab_size changed: 60 → 70']);
    const run = await runJson(['--set', 'vocab_size=70']);
    expect(cachedFlags(run.state)).toEqual({ corpus: true, trained: false, loaded: true });
  });

  it('a changed input file misses, and the miss says which file', async () => {
    await fs.appendFile(corpus, 'A new sentence arrives.\n');
    const plan = JSON.parse((await kiln(['plan', pipeline, '--json'])).stdout).cache;
    expect(plan.corpus.reasons).toEqual(['content of file "corpus.txt" (sources[0].file) changed']);
    expect(plan.trained.reasons).toEqual(['upstream step "corpus" will run']);
    const run = await runJson([]);
    expect(cachedFlags(run.state)).toEqual({ corpus: false, trained: false, loaded: false });
  });

  it('a cached artifact deleted from the store is a verified miss', async () => {
    const state = (await runJson([])).state;
    expect(cachedFlags(state)).toEqual({ corpus: true, trained: true, loaded: true });
    const uri: string = state.steps[1].outputs.tokenizer.uri;
    await fs.rm(path.join(process.env.KILN_HOME!, 'store', 'sha256', uri.slice('kiln://sha256/'.length)), { recursive: true });
    const plan = JSON.parse((await kiln(['plan', pipeline, '--json'])).stdout).cache;
    expect(plan.trained.reasons).toEqual(['cached output "tokenizer" is missing or corrupt in the store']);
    const run = await runJson([]);
    expect(cachedFlags(run.state)).toEqual({ corpus: true, trained: false, loaded: true });
    expect(run.state.steps[1].outputs.tokenizer.uri).toBe(uri); // rebuilt byte for byte
  });

  it('--no-cache runs every step', async () => {
    const run = await runJson(['--no-cache']);
    expect(run.code).toBe(0);
    expect(cachedFlags(run.state)).toEqual({ corpus: false, trained: false, loaded: false });
  });
});

describe('kiln resume', () => {
  it('continues a failed run, reusing finished steps; refuses when the pipeline changed', async () => {
    const vocab = path.join(dir, 'vocab.txt');
    await fs.rename(vocab, `${vocab}.away`);
    const failed = await runJson(['--set', 'vocab=missing-vocab.txt', '--no-cache']);
    expect(failed.code).toBe(1);
    expect(failed.state.steps.map((s: { status: string }) => s.status)).toEqual(['succeeded', 'succeeded', 'failed']);
    const failedId: string = failed.state.runId;

    const completed = await kiln(['resume', 'cache-e2e-nosuchrun']);
    expect(completed.code).toBe(1);
    expect(completed.stderr).toContain('no run "cache-e2e-nosuchrun"');

    await fs.writeFile(path.join(dir, 'missing-vocab.txt'), ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'dog'].join('\n') + '\n');
    const original = await fs.readFile(pipeline, 'utf8');
    await fs.writeFile(pipeline, original + '# edited\n');
    const refused = await kiln(['resume', failedId]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('has changed since run');
    expect(refused.stderr).toContain('--plan-from-run');
    await fs.writeFile(pipeline, original);

    const resumed = await kiln(['resume', failedId, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('reusing corpus, trained');
    const state = JSON.parse(resumed.stdout);
    expect(state.steps.map((s: { status: string; cached: boolean }) => [s.status, s.cached])).toEqual([
      ['succeeded', true],
      ['succeeded', true],
      ['succeeded', false],
    ]);
    expect(state.steps[0].outputs).toEqual(failed.state.steps[0].outputs);

    const again = await kiln(['resume', state.runId]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('is completed: nothing to resume');
    await fs.rename(`${vocab}.away`, vocab);
  });

  it('says no worker is polling when a run is RUNNING without one (its `kiln run` was killed)', async () => {
    // A run on a queue of its own that no worker polls: what a SIGKILLed `kiln run` leaves behind.
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    const client = new Client({ connection });
    const runId = `cache-e2e-orphan-${randomBytes(4).toString('hex')}`;
    const taskQueue = `kiln-orphan-${randomBytes(4).toString('hex')}`;
    const handle = await client.workflow.start('pipelineWorkflow', { workflowId: runId, taskQueue, args: [{ pipeline: 'cache-e2e', steps: [] }, {}] });
    try {
      const refused = await kiln(['resume', runId]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`run ${runId} is running: nothing to resume`);
      expect(refused.stderr).toContain(
        `no worker is polling task queue ${taskQueue}, so its steps wait (was the \`kiln run\` that started it killed?): ` +
          `start one with \`./bin/kiln worker\`, or \`kiln cancel ${runId}\` then \`kiln resume ${runId}\``,
      );
      // One poll (it takes the waiting workflow task at once) is a worker seen just now: the run is going.
      const poll = { namespace: 'default', taskQueue: { name: taskQueue }, identity: 'test' };
      await connection.withDeadline(Date.now() + 10_000, () => client.workflowService.pollWorkflowTaskQueue(poll));
      expect((await kiln(['resume', runId])).stderr).toContain('hint: it is still going: follow it with `kiln status`\n');
    } finally {
      await handle.terminate('test over');
      await connection.close();
    }
  });
});
