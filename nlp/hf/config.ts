// A Hugging Face config.json (transformers' BertConfig) ↔ kiln's BertConfig. kiln's BERT is the original one:
// absolute position embeddings, the exact (erf) GELU, an encoder only; a config asking for anything else is refused.
import { checkSavedBertConfig, ConfigError, type BertConfig } from '../bert/config';
import { HfFormatError } from './errors';

interface Key {
  hf: string;
  kiln: keyof BertConfig;
  integer: boolean;
  /** transformers' BertConfig default; none for the keys that describe the weights' shapes. */
  default?: number;
}

const KEYS: Key[] = [
  { hf: 'vocab_size', kiln: 'vocab_size', integer: true },
  { hf: 'hidden_size', kiln: 'hidden_size', integer: true },
  { hf: 'num_hidden_layers', kiln: 'num_layers', integer: true },
  { hf: 'num_attention_heads', kiln: 'num_heads', integer: true },
  { hf: 'intermediate_size', kiln: 'intermediate_size', integer: true },
  { hf: 'max_position_embeddings', kiln: 'max_position_embeddings', integer: true, default: 512 },
  { hf: 'type_vocab_size', kiln: 'type_vocab_size', integer: true, default: 2 },
  { hf: 'hidden_dropout_prob', kiln: 'hidden_dropout', integer: false, default: 0.1 },
  { hf: 'attention_probs_dropout_prob', kiln: 'attention_dropout', integer: false, default: 0.1 },
  { hf: 'initializer_range', kiln: 'initializer_range', integer: false, default: 0.02 },
  { hf: 'layer_norm_eps', kiln: 'layer_norm_eps', integer: false, default: 1e-12 },
];

const FIX_HINT = 'fix config.json: transformers\' BertConfig.from_pretrained(dir).save_pretrained(dir) writes a complete one';

function checkValue(key: Key, value: unknown, file: string): number {
  const ok = key.integer ? Number.isSafeInteger(value) && (value as number) >= 1 : typeof value === 'number' && Number.isFinite(value) && value >= 0;
  if (!ok) throw new HfFormatError(`${key.hf} must be ${key.integer ? 'an integer >= 1' : 'a number >= 0'} (got ${JSON.stringify(value)})`, file, FIX_HINT);
  return value as number;
}

function shown(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
}

function refuse(what: string, file: string): HfFormatError {
  return new HfFormatError(what, file, 'kiln imports original BERT checkpoints (bert-base-uncased, MiniLM, ...) and their fine-tuned classifiers');
}

/** kiln's BertConfig from the parsed config.json of a Hugging Face BERT; `file` names it in errors. */
export function bertConfigFromHf(json: unknown, file: string): BertConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new HfFormatError('config.json is not a JSON object', file, FIX_HINT);
  const c = json as Record<string, unknown>;
  if (c.model_type === undefined) throw new HfFormatError('model_type is missing', file, 'BERT models have "model_type": "bert"');
  if (c.model_type !== 'bert') throw refuse(`model_type is ${shown(c.model_type)}: kiln imports BERT-family models (model_type 'bert') only`, file);
  const act = c.hidden_act ?? 'gelu';
  if (act !== 'gelu') throw refuse(`hidden_act is ${shown(act)}: kiln's BERT uses the exact erf GELU ('gelu') only`, file);
  const positions = c.position_embedding_type ?? 'absolute';
  if (positions !== 'absolute') throw refuse(`position_embedding_type is ${shown(positions)}: kiln's BERT has absolute position embeddings only`, file);
  if (c.is_decoder === true) throw refuse('is_decoder is true: kiln\'s BERT is a bidirectional encoder, not a decoder', file);
  const config: Record<string, number> = {};
  for (const key of KEYS) {
    const value = c[key.hf] ?? key.default;
    if (value === undefined) throw new HfFormatError(`${key.hf} is missing`, file, FIX_HINT);
    config[key.kiln] = checkValue(key, value, file);
  }
  if (config.hidden_size! % config.num_heads! !== 0) {
    throw new HfFormatError(`hidden_size ${config.hidden_size} is not divisible by num_attention_heads ${config.num_heads}`, file, FIX_HINT);
  }
  try {
    return checkSavedBertConfig(config);
  } catch (err) {
    if (err instanceof ConfigError) throw new HfFormatError(err.message, file, FIX_HINT);
    throw err;
  }
}

export interface HfConfigExtra {
  /** transformers' model class, e.g. ['BertModel'], ['BertForPreTraining'], ['BertForSequenceClassification']. */
  architectures: string[];
  /** A classifier's labels by index: {'0': 'negative', '1': 'positive'}. */
  id2label?: Record<string, string>;
}

/** The config.json of `config` that transformers loads; keys sorted as transformers writes them. */
export function hfConfigFromBert(config: BertConfig, extra: HfConfigExtra): Record<string, unknown> {
  const out: Record<string, unknown> = {
    architectures: [...extra.architectures],
    model_type: 'bert',
    hidden_act: 'gelu',
    position_embedding_type: 'absolute',
    pad_token_id: 0,
  };
  for (const key of KEYS) out[key.hf] = config[key.kiln];
  if (extra.id2label !== undefined) {
    const labels = Object.keys(extra.id2label).map((_, i) => extra.id2label![String(i)]);
    if (labels.some((label) => label === undefined)) throw new Error(`hfConfigFromBert: id2label keys must be '0'..'${labels.length - 1}'`);
    if (new Set(labels).size !== labels.length) throw new Error('hfConfigFromBert: id2label names a label twice');
    out.id2label = Object.fromEntries(labels.map((label, i) => [String(i), label]));
    out.label2id = Object.fromEntries(labels.map((label, i) => [label, i]));
    out.problem_type = 'single_label_classification';
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
