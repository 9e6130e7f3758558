// The one typed config of the BERT model. Saved with every checkpoint; a checkpoint only loads into
// a model with the same config (nlp/bert/state.ts).
import { ConfigError, checkInteger, checkNumber, rejectUnknownKeys } from './config-check';

export { ConfigError };

export interface BertConfig {
  vocab_size: number;
  hidden_size: number;
  num_layers: number;
  num_heads: number;
  intermediate_size: number;
  max_position_embeddings: number;
  type_vocab_size: number;
  hidden_dropout: number;
  attention_dropout: number;
  initializer_range: number;
  layer_norm_eps: number;
}

// Defaults are BERT-tiny (Turc et al. 2019, L2 H128 A2): BERT-base (L12 H768) takes seconds per
// sequence on a CPU. vocab_size has no default: it must equal the tokenizer's.
export const BERT_DEFAULTS: Omit<BertConfig, 'vocab_size'> = {
  hidden_size: 128, // width of every token vector
  num_layers: 2, // transformer encoder layers
  num_heads: 2, // attention heads; must divide hidden_size
  intermediate_size: 512, // feed-forward width, 4 × hidden as in BERT
  max_position_embeddings: 512, // longest sequence the position table covers
  type_vocab_size: 2, // segment ids: sentence A = 0, sentence B = 1
  hidden_dropout: 0.1, // on embeddings, attention output and feed-forward output
  attention_dropout: 0.1, // on attention probabilities
  initializer_range: 0.02, // std of the truncated-normal initialiser (cut at 2 std)
  layer_norm_eps: 1e-12, // as in google-research/bert
};

const KEYS: readonly (keyof BertConfig)[] = ['vocab_size', ...(Object.keys(BERT_DEFAULTS) as (keyof BertConfig)[])];

/** Fills defaults and validates. Unknown keys, bad values and hidden_size % num_heads ≠ 0 throw ConfigError. */
export function resolveBertConfig(partial: Partial<BertConfig>): BertConfig {
  const what = 'model';
  rejectUnknownKeys(what, partial, KEYS);
  if (partial.vocab_size === undefined) {
    throw new ConfigError(`${what}.vocab_size: required; set it to the tokenizer's vocabulary size`);
  }
  const c: BertConfig = { ...BERT_DEFAULTS, vocab_size: partial.vocab_size };
  for (const key of KEYS) {
    const value = partial[key];
    if (value !== undefined) c[key] = value;
  }

  checkInteger(what, 'vocab_size', c.vocab_size, 1);
  checkInteger(what, 'hidden_size', c.hidden_size, 1);
  checkInteger(what, 'num_layers', c.num_layers, 1);
  checkInteger(what, 'num_heads', c.num_heads, 1);
  checkInteger(what, 'intermediate_size', c.intermediate_size, 1);
  checkInteger(what, 'max_position_embeddings', c.max_position_embeddings, 1);
  checkInteger(what, 'type_vocab_size', c.type_vocab_size, 1);
  checkNumber(what, 'hidden_dropout', c.hidden_dropout, { min: 0, max: 1 });
  checkNumber(what, 'attention_dropout', c.attention_dropout, { min: 0, max: 1 });
  checkNumber(what, 'initializer_range', c.initializer_range, { min: 0, minExclusive: true });
  checkNumber(what, 'layer_norm_eps', c.layer_norm_eps, { min: 0, minExclusive: true });
  if (c.hidden_size % c.num_heads !== 0) {
    const lower = c.hidden_size - (c.hidden_size % c.num_heads);
    throw new ConfigError(
      `${what}: hidden_size ${c.hidden_size} is not divisible by num_heads ${c.num_heads}; ` +
        `each head gets hidden_size / num_heads dimensions. Choose num_heads dividing ${c.hidden_size}` +
        (lower > 0 ? `, or hidden_size ${lower} or ${lower + c.num_heads}` : `, or hidden_size ${c.num_heads}`),
    );
  }
  return c;
}

/** Width of one attention head. */
export function headSize(config: BertConfig): number {
  return config.hidden_size / config.num_heads;
}
