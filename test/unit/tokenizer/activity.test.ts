import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { activityDeps } from '../../../activities/deps';
import { tokenizerWordpiece } from '../../../activities/tokenizer-wordpiece';
import type { Json } from '../../../contract/json';
import type { StepResult } from '../../../compiler/types';
import { loadTokenizer } from '../../../nlp/tokenizer/tokenizer';
import { ArtifactStore } from '../../../store/artifacts';
import type { ArtifactRef } from '../../../store/types';
import { failureOf, runStepActivity } from '../../helpers/activity';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/tokenizer');
let dir: string;
let store: ArtifactStore;
let corpus: ArtifactRef;
const heartbeats: unknown[] = [];

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-tokenizer-activity-'));
  store = new ArtifactStore(path.join(dir, 'store'));
  // putFile consumes its source: store a copy of the fixture.
  const copy = path.join(dir, 'corpus.txt');
  await fs.copyFile(path.join(FIXTURES, 'corpus.txt'), copy);
  corpus = await store.putFile(copy, { kind: 'corpus' });
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function runStep(inputs: { [key: string]: Json }): Promise<StepResult> {
  const activity = tokenizerWordpiece(activityDeps(dir));
  return runStepActivity(activity, { stepId: 'tokenizer', baseDir: FIXTURES, inputs }, { attempt: 2, heartbeats });
}

const DEFAULTS = { min_frequency: 2, lowercase: true, strip_accents: null, handle_chinese_chars: true, clean_text: true };

describe('tokenizer/wordpiece@v1', () => {
  it('trains a vocab on the corpus artifact and stores a tokenizer directory', async () => {
    heartbeats.length = 0;
    const result = await runStep({ ...DEFAULTS, corpus, vocab_size: 300 });
    expect(result.attempt).toBe(2);
    expect(heartbeats[0]).toEqual({ phase: 'count', lines: 0, bytes: 0 });

    const ref = result.outputs.tokenizer as ArtifactRef;
    expect(ref).toMatchObject({ kind: 'tokenizer', meta: { vocab_size: 300, lowercase: true } });
    expect(await store.verify(ref)).toBe(true);
    expect((await fs.readdir(store.pathOf(ref))).sort()).toEqual(['tokenizer.json', 'vocab.txt']);

    const tokenizer = await loadTokenizer(store.pathOf(ref));
    expect(tokenizer.vocab.size).toBe(300);
    expect(tokenizer.vocab.tokens.slice(0, 5)).toEqual(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
    expect(tokenizer.tokenize('The nation, the Senate.')).toEqual(['the', 'n', '##ation', ',', 'the', 's', '##en', '##ate', '.']);

    const stats = result.outputs.stats as { [key: string]: Json };
    // The one [UNK]: ":" occurs once, under min_frequency.
    expect(stats).toEqual({ vocab_size: 300, trained: true, words_seen: 954, distinct_words: 427, tokens: 2001, unk_rate: 1 / 2001 });
  });

  it('gives the same artifact when run again', async () => {
    const first = await runStep({ ...DEFAULTS, corpus, vocab_size: 120 });
    const second = await runStep({ ...DEFAULTS, corpus, vocab_size: 120 });
    expect((second.outputs.tokenizer as ArtifactRef).digest).toBe((first.outputs.tokenizer as ArtifactRef).digest);
  });

  it('loads a vocab.txt relative to the pipeline directory instead of training', async () => {
    const result = await runStep({ ...DEFAULTS, vocab: 'tiny-vocab.txt', vocab_size: 8000, lowercase: false });
    expect(result.outputs.tokenizer).toMatchObject({ kind: 'tokenizer', meta: { vocab_size: 23, lowercase: false } });
    expect(result.outputs.stats).toEqual({ vocab_size: 23, trained: false, words_seen: 0, distinct_words: 0, tokens: 0, unk_rate: null });
    const tokenizer = await loadTokenizer(store.pathOf(result.outputs.tokenizer as ArtifactRef));
    expect(tokenizer.encode('hello Hello').ids).toEqual([2, 16, 1, 3]);
  });

  it('measures a loaded vocab on the corpus when both are given', async () => {
    const result = await runStep({ ...DEFAULTS, vocab: 'tiny-vocab.txt', corpus });
    expect(result.outputs.stats).toMatchObject({ trained: false, words_seen: 954, distinct_words: 427 });
    expect((result.outputs.stats as { unk_rate: number }).unk_rate).toBeGreaterThan(0.5);
  });

  it('fails as InvalidInput, naming the file, for a vocab without [UNK]', async () => {
    const failure = await failureOf(runStep({ ...DEFAULTS, vocab: 'vocab-without-unk.txt' }));
    expect(failure.type).toBe('InvalidInput');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain(`${path.join(FIXTURES, 'vocab-without-unk.txt')}: vocab lacks the special token [UNK]`);
    expect(failure.message).toContain('hint: add [UNK]');
  });

  it('fails as InvalidInput for a missing vocab file', async () => {
    const failure = await failureOf(runStep({ ...DEFAULTS, vocab: 'missing/vocab.txt' }));
    expect(failure.type).toBe('InvalidInput');
    expect(failure.message).toContain('cannot read vocab (ENOENT)');
  });

  it('fails as InvalidInput with neither corpus nor vocab, or with the wrong artifact kind', async () => {
    expect((await failureOf(runStep({ ...DEFAULTS }))).message).toBe('steps.tokenizer.with: must have one of the keys: corpus, vocab');
    const model = { ...corpus, kind: 'model' };
    expect((await failureOf(runStep({ ...DEFAULTS, corpus: model }))).message).toContain('with.corpus: must be a "corpus" artifact (got a "model" artifact)');
  });
});
