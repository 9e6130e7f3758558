import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { activityDeps } from '../../../activities/deps';
import { bertPretrainingData } from '../../../activities/bert-pretraining-data';
import type { Json } from '../../../contract/json';
import type { StepResult } from '../../../compiler/types';
import { openPretrainingData } from '../../../nlp/pretraining-data/reader';
import { saveTokenizer } from '../../../nlp/tokenizer/tokenizer';
import { ArtifactStore } from '../../../store/artifacts';
import type { ArtifactRef } from '../../../store/types';
import { syntheticDocs, tinyTokenizer, writeCorpus } from './helpers';
import { failureOf, runStepActivity } from '../../helpers/activity';

let dir: string;
let store: ArtifactStore;
let corpus: ArtifactRef;
let tokenizer: ArtifactRef;
const heartbeats: unknown[] = [];

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-ptd-activity-'));
  store = new ArtifactStore(path.join(dir, 'store'));
  corpus = await store.putFile(await writeCorpus(dir, syntheticDocs(20, 5)), { kind: 'corpus' });
  await saveTokenizer(tinyTokenizer(), path.join(dir, 'tokenizer'));
  tokenizer = await store.putDirectory(path.join(dir, 'tokenizer'), { kind: 'tokenizer' });
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function runStep(inputs: { [key: string]: Json }): Promise<StepResult> {
  const activity = bertPretrainingData(activityDeps(dir));
  return runStepActivity(activity, { stepId: 'pretraining-data', baseDir: dir, inputs }, { attempt: 1, heartbeats });
}

const WITH = { max_seq_length: 32, max_predictions_per_seq: 5, dupe_factor: 2, validation_fraction: 0.2, seed: 3, shard_size: 16 };

describe('bert/pretraining-data@v1', () => {
  it('stores a pretraining-data directory that the reader opens, with stats and heartbeats', async () => {
    const result = await runStep({ corpus, tokenizer, ...WITH });
    const data = result.outputs.data as ArtifactRef;
    const stats = result.outputs.stats as { instances: { train: number; validation: number }; documents: { train: number } };
    expect(result.attempt).toBe(1);
    expect(data.kind).toBe('pretraining-data');
    expect(await store.verify(data)).toBe(true);
    expect(data.meta).toEqual({
      max_seq_length: 32,
      max_predictions_per_seq: 5,
      vocab_size: tinyTokenizer().vocab.size,
      train_instances: stats.instances.train,
      validation_instances: stats.instances.validation,
    });
    expect(stats.instances.train).toBeGreaterThan(20);
    expect(stats.instances.validation).toBeGreaterThan(0);
    expect(heartbeats[0]).toMatchObject({ phase: 'tokenize', documents: 1 });

    const opened = await openPretrainingData(store.pathOf(data), { verify: true });
    try {
      expect(opened.manifest.tokenizer_digest).toBe(tokenizer.digest);
      expect(opened.manifest.seed).toBe(3);
      expect(opened.split('train').instances).toBe(stats.instances.train);
      expect(opened.manifest.splits.train.shards.length).toBe(Math.ceil(stats.instances.train / 16));
    } finally {
      await opened.close();
    }
    // Same inputs, same bytes: the same artifact.
    const again = await runStep({ corpus, tokenizer, ...WITH });
    expect((again.outputs.data as ArtifactRef).digest).toBe(data.digest);
  });

  it('fails with InvalidInput for an empty corpus, naming the step and the fix', async () => {
    const empty = await store.putFile(await writeCorpus(dir, [], 'empty.txt'), { kind: 'corpus' });
    const failure = await failureOf(runStep({ corpus: empty, tokenizer }));
    expect(failure.type).toBe('InvalidInput');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('steps.pretraining-data: ');
    expect(failure.message).toContain('the corpus is empty');
    expect(failure.message).toContain('\nhint: ');
  });

  it('fails with InvalidInput for a too short max_seq_length and for a wrong artifact', async () => {
    const short = await failureOf(runStep({ corpus, tokenizer, max_seq_length: 8 }));
    expect(short.type).toBe('InvalidInput');
    expect(short.message).toBe('steps.pretraining-data.with.max_seq_length: must be >= 16 (got 8)');
    const swapped = await failureOf(runStep({ corpus: tokenizer, tokenizer }));
    expect(swapped.message.split('\n')[0]).toBe('steps.pretraining-data.with.corpus: must be a "corpus" artifact (got a "tokenizer" artifact)');
  });
});
