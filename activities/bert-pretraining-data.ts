import fs from 'node:fs/promises';
import path from 'node:path';

import { Context } from '@temporalio/activity';

import type { Json, StepInput, StepResult } from '../compiler/types';
import { buildPretrainingData, type PretrainingProgress } from '../nlp/pretraining-data/build';
import { PretrainingDataError } from '../nlp/pretraining-data/errors';
import type { PretrainingOptions } from '../nlp/pretraining-data/options';
import { TokenizerFileError } from '../nlp/tokenizer/errors';
import { loadTokenizer } from '../nlp/tokenizer/tokenizer';
import { isArtifactRef, type ArtifactRef } from '../store/types';
import type { ActivityDeps, StepActivity } from './deps';
import { corpusPath, throttledHeartbeat } from './progress';
import { invalidInput } from './failures';

/** `bert/pretraining-data@v1`: corpus + tokenizer -> sharded MLM+NSP instances (a `pretraining-data` directory). */
export function bertPretrainingData(deps: ActivityDeps): StepActivity {
  return async (input) => {
    try {
      return await run(deps, input);
    } catch (error) {
      if (error instanceof PretrainingDataError || error instanceof TokenizerFileError) {
        throw invalidInput(`steps.${input.stepId}: ${error.message}`, error.hint);
      }
      throw error;
    }
  };
}

async function run(deps: ActivityDeps, input: StepInput): Promise<StepResult> {
  const context = Context.current();
  const where = `steps.${input.stepId}.with`;
  const corpus = artifact(input, 'corpus');
  const tokenizerRef = artifact(input, 'tokenizer');
  const options = parseOptions(input.inputs, where);
  const tokenizer = await loadTokenizer(deps.store.pathOf(tokenizerRef));
  const corpusFile = await corpusPath(deps.store, corpus);

  const staging = await deps.store.stagingDir('pretraining-data');
  try {
    const outDir = path.join(staging, 'data');
    const { manifest, stats } = await buildPretrainingData({
      corpusFile,
      tokenizer,
      outDir,
      options,
      tokenizerDigest: tokenizerRef.digest,
      onProgress: throttledHeartbeat<PretrainingProgress>(context, { stopOnCancel: true }),
    });
    const data = await deps.store.putDirectory(outDir, {
      kind: 'pretraining-data',
      meta: {
        max_seq_length: manifest.max_seq_length,
        max_predictions_per_seq: manifest.max_predictions_per_seq,
        vocab_size: manifest.vocab_size,
        train_instances: manifest.splits.train.instances,
        validation_instances: manifest.splits.validation.instances,
      },
    });
    deps.log(
      `${input.stepId}: pretraining data ${data.digest} (${stats.instances.train} train, ${stats.instances.validation} validation instances)`,
    );
    return { outputs: { data, stats }, attempt: context.info.attempt };
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}

function artifact(input: StepInput, key: 'corpus' | 'tokenizer'): ArtifactRef {
  const value = input.inputs[key];
  if (!isArtifactRef(value) || value.kind !== key) {
    throw invalidInput(`steps.${input.stepId}.with.${key}: must be a ${key} artifact`, `use "\${{ steps.<id>.outputs.${key} }}" of a ${key === 'corpus' ? 'corpus/download' : 'tokenizer/wordpiece'} step`);
  }
  return value;
}

const KEYS: Array<[string, keyof PretrainingOptions, 'number' | 'boolean']> = [
  ['max_seq_length', 'maxSeqLength', 'number'],
  ['short_seq_prob', 'shortSeqProb', 'number'],
  ['masked_lm_prob', 'maskedLmProb', 'number'],
  ['max_predictions_per_seq', 'maxPredictionsPerSeq', 'number'],
  ['dupe_factor', 'dupeFactor', 'number'],
  ['whole_word_mask', 'wholeWordMask', 'boolean'],
  ['validation_fraction', 'validationFraction', 'number'],
  ['seed', 'seed', 'number'],
  ['shard_size', 'shardSize', 'number'],
];

/** Types only: the compiler validated `with`, and the library checks ranges (its errors name the key). */
function parseOptions(raw: { [key: string]: Json }, where: string): Partial<PretrainingOptions> {
  const options: Partial<PretrainingOptions> = {};
  for (const [key, option, type] of KEYS) {
    const value = raw[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== type) throw invalidInput(`${where}.${key}: must be a ${type} (got ${JSON.stringify(value)})`);
    Object.assign(options, { [option]: value });
  }
  return options;
}
