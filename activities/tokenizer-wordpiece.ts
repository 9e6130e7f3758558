import fs from 'node:fs/promises';
import path from 'node:path';

import { Context } from '@temporalio/activity';

import type { Json, StepInput, StepResult } from '../compiler/types';
import { countCorpusWords, unknownRate, type WordCounts } from '../nlp/tokenizer/corpus-words';
import { TokenizerFileError } from '../nlp/tokenizer/errors';
import { BertTokenizer, saveTokenizer, type TokenizerOptions } from '../nlp/tokenizer/tokenizer';
import { trainTokenizer, type TrainProgress } from '../nlp/tokenizer/trainer';
import { loadVocab } from '../nlp/tokenizer/vocab';
import { isArtifactRef, type ArtifactRef } from '../store/types';
import type { ActivityDeps, StepActivity } from './deps';
import { corpusPath, throttledHeartbeat } from './progress';
import { invalidInput } from './failures';

interface WordpieceInputs {
  corpus?: ArtifactRef;
  vocab?: string;
  vocabSize: number;
  minFrequency: number;
  tokenizer: TokenizerOptions;
}

/** `tokenizer/wordpiece@v1`: train a WordPiece vocab on a corpus (or load a vocab.txt) -> a tokenizer artifact. */
export function tokenizerWordpiece(deps: ActivityDeps): StepActivity {
  return async (input) => {
    try {
      return await run(deps, input);
    } catch (error) {
      if (error instanceof TokenizerFileError) throw invalidInput(error.message, error.hint);
      throw error;
    }
  };
}

async function run(deps: ActivityDeps, input: StepInput): Promise<StepResult> {
  const context = Context.current();
  const inputs = parseInputs(input);
  const onProgress = throttledHeartbeat<TrainProgress>(context, { stopOnCancel: true });
  const corpusFile = inputs.corpus && (await corpusPath(deps.store, inputs.corpus));

  let tokenizer: BertTokenizer;
  let words: WordCounts | undefined;
  if (inputs.vocab !== undefined) {
    const vocab = await loadVocab(path.resolve(input.baseDir, inputs.vocab));
    tokenizer = new BertTokenizer(vocab, inputs.tokenizer);
    if (corpusFile) {
      const split = (line: string): string[] => tokenizer.words(line);
      words = await countCorpusWords(corpusFile, split, (p) => onProgress({ phase: 'count', ...p }));
    }
  } else {
    const trained = await trainTokenizer(corpusFile!, inputs.tokenizer, {
      vocabSize: inputs.vocabSize,
      minFrequency: inputs.minFrequency,
      onProgress,
    });
    ({ tokenizer, words } = trained);
  }

  const unk = words ? unknownRate(tokenizer.wordPiece, words.counts) : undefined;
  const stats: { [key: string]: Json } = {
    vocab_size: tokenizer.vocab.size,
    trained: inputs.vocab === undefined,
    words_seen: words?.total ?? 0,
    distinct_words: words?.counts.size ?? 0,
    tokens: unk?.tokens ?? 0,
    unk_rate: unk ? unk.unkRate : null,
  };

  const staging = await deps.store.stagingDir('tokenizer');
  try {
    const dir = path.join(staging, 'tokenizer');
    await saveTokenizer(tokenizer, dir);
    const ref = await deps.store.putDirectory(dir, {
      kind: 'tokenizer',
      meta: { vocab_size: tokenizer.vocab.size, lowercase: tokenizer.normalizer.lowercase },
    });
    deps.log(`${input.stepId}: tokenizer ${ref.digest} (${tokenizer.vocab.size} tokens, unk rate ${stats.unk_rate})`);
    return { outputs: { tokenizer: ref, stats }, attempt: context.info.attempt };
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}

/** The compiler validated `with` against the schema; this re-checks what the code relies on. */
function parseInputs(input: StepInput): WordpieceInputs {
  const raw = input.inputs;
  const where = `steps.${input.stepId}.with`;
  const bool = (key: string, fallback: boolean): boolean => {
    const v = raw[key] ?? fallback;
    if (typeof v !== 'boolean') throw invalidInput(`${where}.${key}: must be true or false (got ${JSON.stringify(v)})`);
    return v;
  };
  const int = (key: string, fallback: number, min: number): number => {
    const v = raw[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      throw invalidInput(`${where}.${key}: must be an integer >= ${min} (got ${JSON.stringify(v)})`);
    }
    return v;
  };
  const corpus = raw.corpus ?? undefined;
  if (corpus !== undefined && (!isArtifactRef(corpus) || corpus.kind !== 'corpus')) {
    throw invalidInput(
      `${where}.corpus: must be a corpus artifact`,
      'use "${{ steps.<id>.outputs.corpus }}" of a corpus/download step',
    );
  }
  const vocab = raw.vocab ?? undefined;
  if (vocab !== undefined && (typeof vocab !== 'string' || vocab === '')) {
    throw invalidInput(`${where}.vocab: must be a path to a vocab.txt`);
  }
  if (corpus === undefined && vocab === undefined) {
    throw invalidInput(`${where}: needs a corpus to train on or a vocab to load`, 'set `corpus:` or `vocab:`');
  }
  const strip = raw.strip_accents ?? null;
  if (strip !== null && typeof strip !== 'boolean') {
    throw invalidInput(`${where}.strip_accents: must be true, false or null (got ${JSON.stringify(strip)})`);
  }
  return {
    corpus,
    vocab,
    vocabSize: int('vocab_size', 8000, 10),
    minFrequency: int('min_frequency', 2, 1),
    tokenizer: {
      lowercase: bool('lowercase', true),
      stripAccents: strip,
      handleChineseChars: bool('handle_chinese_chars', true),
      cleanText: bool('clean_text', true),
    },
  };
}
