// The one typed config of the BERT model: the architecture of a step's `with` (bert/pretrain's model, bert/finetune's
// from_scratch, defaults from the schema) plus the vocabulary size of its tokenizer. Saved with every checkpoint; a
// checkpoint only loads into a model with the same config (nlp/bert/state.ts).
import type { BertPretrainInputs } from '../../compiler/step-inputs.generated';

/** A config that does not fit the data, or a saved one that is damaged; the message names the key and the fix. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export type BertArchitecture = BertPretrainInputs['model'];

export type BertConfig = BertArchitecture & {
  /** The tokenizer's. */
  vocab_size: number;
  layer_norm_eps: number;
};

/** google-research/bert's; not a setting of any step. */
export const LAYER_NORM_EPS = 1e-12;

export function bertConfig(architecture: BertArchitecture, vocabSize: number): BertConfig {
  return { vocab_size: vocabSize, ...architecture, layer_norm_eps: LAYER_NORM_EPS };
}

const INTEGER_KEYS = ['vocab_size', 'hidden_size', 'num_layers', 'num_heads', 'intermediate_size', 'max_position_embeddings', 'type_vocab_size'] as const;
const NUMBER_KEYS = ['hidden_dropout', 'attention_dropout', 'initializer_range', 'layer_norm_eps'] as const;
type Unchecked = Exclude<keyof BertConfig, (typeof INTEGER_KEYS)[number] | (typeof NUMBER_KEYS)[number]>;
// A key added to the schema's architecture is checked in saved files too: this stops compiling until it is listed.
const _everyKeyChecked: [Unchecked] extends [never] ? true : Unchecked = true;

/** A config read back from a file (a saved model's config.json): every key there and a number, heads dividing the width. */
export function checkSavedBertConfig(value: unknown): BertConfig {
  const c = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  for (const key of INTEGER_KEYS) {
    if (!Number.isSafeInteger(c[key]) || (c[key] as number) < 1) throw new ConfigError(`bert.${key}: must be an integer >= 1 (got ${JSON.stringify(c[key])})`);
  }
  for (const key of NUMBER_KEYS) {
    if (typeof c[key] !== 'number' || !Number.isFinite(c[key]) || c[key] < 0) throw new ConfigError(`bert.${key}: must be a number >= 0 (got ${JSON.stringify(c[key])})`);
  }
  const known = new Set<string>([...INTEGER_KEYS, ...NUMBER_KEYS]);
  const unknown = Object.keys(c).filter((key) => !known.has(key));
  if (unknown.length > 0) throw new ConfigError(`bert: unknown key ${unknown.map((k) => `'${k}'`).join(', ')}`);
  if ((c.hidden_size as number) % (c.num_heads as number) !== 0) throw new ConfigError(`bert: hidden_size ${c.hidden_size} is not divisible by num_heads ${c.num_heads}`);
  return c as BertConfig;
}

/** Width of one attention head. */
export function headSize(config: BertConfig): number {
  return config.hidden_size / config.num_heads;
}
