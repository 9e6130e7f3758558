// Corpus + tokenizer -> a directory of shard files and manifest.json (see writer.ts for the byte layout).
// Two passes: the corpus is tokenised into a compact token store (random next sentences need any document), then
// instances are made document by document and streamed to shards.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';

import type { BertTokenizer } from '../tokenizer/tokenizer';
import { PretrainingDataError } from './errors';
import { FORMAT_VERSION, idBytesFor, recordLayout, type RecordLayout } from './format';
import type { Instance } from './instance';
import { InstanceBuilder } from './instances';
import type { BertPretrainingDataInputs } from '../../compiler/step-inputs.generated';
import { SPLITS, writeManifest, type PretrainingManifest, type SplitManifest, type SplitName } from './manifest';
import { isValidationDocument } from './random';
import { readTokenStore, type TokenizeProgress, type TokenStore } from './token-store';
import { SplitWriter } from './writer';

/** The knobs of bert/pretraining-data: its `with` but the artifacts (defaults, ranges and rules are its schema's). */
export type PretrainingOptions = Omit<BertPretrainingDataInputs, 'corpus' | 'tokenizer'>;

export type PretrainingProgress =
  | TokenizeProgress
  | { phase: 'instances'; split: SplitName; duplicate: number; documents: number; totalDocuments: number; instances: number };

export interface BuildPretrainingDataOptions {
  /** corpus.txt in BERT's document format. */
  corpusFile: string;
  tokenizer: BertTokenizer;
  /** Created if missing; should be empty. */
  outDir: string;
  options: PretrainingOptions;
  /** Goes into the manifest; default: sha256 of the vocab. */
  tokenizerDigest?: string;
  /** Awaited after each document; an activity heartbeats (and notices cancellation) there. */
  onProgress?: (progress: PretrainingProgress) => void | Promise<void>;
}

/** Plain JSON, the step's `stats` output. */
export interface PretrainingStats {
  [key: string]: number | { [split: string]: number };
  documents: { train: number; validation: number };
  instances: { train: number; validation: number };
  sentences: number;
  tokens: number;
  masked_tokens: number;
  random_next_fraction: number;
  avg_tokens_per_instance: number;
}

export interface BuiltPretrainingData {
  manifest: PretrainingManifest;
  stats: PretrainingStats;
}

export async function buildPretrainingData(build: BuildPretrainingDataOptions): Promise<BuiltPretrainingData> {
  const { tokenizer, options } = build;
  const store = await readTokenStore(build.corpusFile, tokenizer, build.onProgress);
  if (store.documents === 0) {
    throw new PretrainingDataError(
      'the corpus is empty: no line has any token',
      build.corpusFile,
      'give the step a corpus with text: one sentence per line, a blank line between documents (corpus/download writes one)',
    );
  }
  const docs = splitDocuments(store, options);
  if (docs.train.length === 0) {
    throw new PretrainingDataError(
      `all ${store.documents} documents of the corpus were held out for validation`,
      build.corpusFile,
      'lower validation_fraction or use a corpus with more documents (documents are separated by blank lines)',
    );
  }

  const layout = recordLayout(options.max_seq_length, options.max_predictions_per_seq, idBytesFor(tokenizer.vocab.size));
  await fs.mkdir(build.outDir, { recursive: true });
  const totals = { predictions: 0, randomNext: 0, tokens: 0, done: 0 };
  const totalDocuments = (docs.train.length + docs.validation.length) * options.dupe_factor;
  const splits = {} as { [S in SplitName]: SplitManifest };
  for (const split of SPLITS) {
    const writer = new SplitWriter(build.outDir, split, layout, options.shard_size);
    const builder = new InstanceBuilder(store, docs[split], {
      maxSeqLength: options.max_seq_length,
      shortSeqProb: options.short_seq_prob,
      maskedLmProb: options.masked_lm_prob,
      maxPredictionsPerSeq: options.max_predictions_per_seq,
      wholeWordMask: options.whole_word_mask,
      seed: options.seed,
      vocabSize: tokenizer.vocab.size,
      clsId: tokenizer.specialIds.cls,
      sepId: tokenizer.specialIds.sep,
      maskId: tokenizer.specialIds.mask,
    });
    const emit = (instance: Instance): void => {
      writer.add(instance);
      totals.predictions += instance.numPredictions;
      totals.randomNext += instance.isRandomNext ? 1 : 0;
      totals.tokens += instance.length;
    };
    try {
      for (let duplicate = 0; duplicate < options.dupe_factor; duplicate++) {
        for (let k = 0; k < docs[split].length; k++) {
          builder.build(duplicate, k, emit);
          await writer.drain();
          totals.done++;
          await build.onProgress?.({ phase: 'instances', split, duplicate, documents: totals.done, totalDocuments, instances: writer.instances });
        }
      }
      splits[split] = { instances: writer.instances, documents: docs[split].length, shards: await writer.close() };
    } catch (error) {
      await writer.abort();
      throw error;
    }
  }

  const manifest = manifestOf(options, layout, tokenizer, build.tokenizerDigest, splits);
  await writeManifest(build.outDir, manifest);
  const instances = splits.train.instances + splits.validation.instances;
  const stats: PretrainingStats = {
    documents: { train: docs.train.length, validation: docs.validation.length },
    instances: { train: splits.train.instances, validation: splits.validation.instances },
    sentences: store.sentences,
    tokens: store.tokens,
    masked_tokens: totals.predictions,
    random_next_fraction: instances === 0 ? 0 : totals.randomNext / instances,
    avg_tokens_per_instance: instances === 0 ? 0 : totals.tokens / instances,
  };
  return { manifest, stats };
}

/** Whole documents go to one split, by a seeded coin per document, in corpus order. */
function splitDocuments(store: TokenStore, options: PretrainingOptions): { [S in SplitName]: Int32Array } {
  const train: number[] = [];
  const validation: number[] = [];
  for (let d = 0; d < store.documents; d++) {
    (isValidationDocument(options.seed, d, options.validation_fraction) ? validation : train).push(d);
  }
  return { train: Int32Array.from(train), validation: Int32Array.from(validation) };
}

function manifestOf(
  options: PretrainingOptions,
  layout: RecordLayout,
  tokenizer: BertTokenizer,
  tokenizerDigest: string | undefined,
  splits: { [S in SplitName]: SplitManifest },
): PretrainingManifest {
  const vocabDigest = (): string => `sha256:${createHash('sha256').update(tokenizer.vocab.tokens.join('\n')).digest('hex')}`;
  return {
    format_version: FORMAT_VERSION,
    max_seq_length: options.max_seq_length,
    max_predictions_per_seq: options.max_predictions_per_seq,
    vocab_size: tokenizer.vocab.size,
    tokenizer_digest: tokenizerDigest ?? vocabDigest(),
    seed: options.seed,
    dupe_factor: options.dupe_factor,
    short_seq_prob: options.short_seq_prob,
    masked_lm_prob: options.masked_lm_prob,
    whole_word_mask: options.whole_word_mask,
    validation_fraction: options.validation_fraction,
    shard_size: options.shard_size,
    id_bytes: layout.idBytes,
    record_bytes: layout.recordBytes,
    splits,
  };
}
