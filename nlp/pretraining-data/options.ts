// The knobs of pretraining-data creation, their defaults (google-research/bert's) and their checks.
import { PretrainingDataError } from './errors';

export interface PretrainingOptions {
  /** Tokens per instance, [CLS] and both [SEP]s included (default 128). */
  maxSeqLength: number;
  /** Chance that a document's instances aim at a random shorter length (default 0.1). */
  shortSeqProb: number;
  /** Share of an instance's tokens to predict (default 0.15). */
  maskedLmProb: number;
  /** The most predictions per instance (default 20). */
  maxPredictionsPerSeq: number;
  /** How many times each document is turned into instances, each time with other masks and splits (default 5). */
  dupeFactor: number;
  /** Mask all pieces of a word together (default false). */
  wholeWordMask: boolean;
  /** Chance that a document is held out for validation (default 0.05). */
  validationFraction: number;
  seed: number;
  /** Instances per shard file (default 4096); the instances themselves do not depend on it. */
  shardSize: number;
}

export const DEFAULT_PRETRAINING_OPTIONS: PretrainingOptions = {
  maxSeqLength: 128,
  shortSeqProb: 0.1,
  maskedLmProb: 0.15,
  maxPredictionsPerSeq: 20,
  dupeFactor: 5,
  wholeWordMask: false,
  validationFraction: 0.05,
  seed: 12345,
  shardSize: 4096,
};

/** [CLS] A [SEP] B [SEP] with a random target length of at least 2 needs 5; shorter than 16 is not worth training. */
export const MIN_SEQ_LENGTH = 16;
/** Positions and lengths are stored as uint16. */
export const MAX_SEQ_LENGTH = 4096;

type Check = [key: keyof PretrainingOptions, name: string, ok: (v: number) => boolean, rule: string];

const CHECKS: Check[] = [
  ['maxSeqLength', 'max_seq_length', (v) => Number.isInteger(v) && v >= MIN_SEQ_LENGTH && v <= MAX_SEQ_LENGTH, `an integer in [${MIN_SEQ_LENGTH}, ${MAX_SEQ_LENGTH}]`],
  ['shortSeqProb', 'short_seq_prob', (v) => v >= 0 && v <= 1, 'a number in [0, 1]'],
  ['maskedLmProb', 'masked_lm_prob', (v) => v >= 0 && v <= 1, 'a number in [0, 1]'],
  ['maxPredictionsPerSeq', 'max_predictions_per_seq', (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1'],
  ['dupeFactor', 'dupe_factor', (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1'],
  ['validationFraction', 'validation_fraction', (v) => v >= 0 && v <= 0.5, 'a number in [0, 0.5]'],
  ['seed', 'seed', (v) => Number.isSafeInteger(v) && v >= 0, 'an integer >= 0'],
  ['shardSize', 'shard_size', (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1'],
];

/** Defaults filled in, every value checked; errors name the step's `with` key. */
export function resolvePretrainingOptions(partial: Partial<PretrainingOptions> = {}): PretrainingOptions {
  const options = { ...DEFAULT_PRETRAINING_OPTIONS };
  for (const [key, value] of Object.entries(partial)) if (value !== undefined) Object.assign(options, { [key]: value });
  for (const [key, name, ok, rule] of CHECKS) {
    const value = options[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
      throw new PretrainingDataError(`${name} must be ${rule} (got ${JSON.stringify(value)})`, undefined, `set ${name} to ${rule}`);
    }
  }
  if (options.maxPredictionsPerSeq > options.maxSeqLength - 3) {
    throw new PretrainingDataError(
      `max_predictions_per_seq ${options.maxPredictionsPerSeq} exceeds the ${options.maxSeqLength - 3} maskable tokens of max_seq_length ${options.maxSeqLength}`,
      undefined,
      'BERT uses about max_seq_length × masked_lm_prob, e.g. 20 for 128',
    );
  }
  if (typeof options.wholeWordMask !== 'boolean') {
    throw new PretrainingDataError(`whole_word_mask must be true or false (got ${JSON.stringify(options.wholeWordMask)})`, undefined, 'set whole_word_mask to true or false');
  }
  return options;
}
