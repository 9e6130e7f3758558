// tokenizer.json: the settings saved next to vocab.txt in a tokenizer artifact.
import { TokenizerFileError } from './errors';
import { SPECIAL_TOKENS } from './vocab';

export interface TokenizerConfig {
  lowercase: boolean;
  /** null: follow `lowercase` (BERT's convention). */
  strip_accents: boolean | null;
  handle_chinese_chars: boolean;
  clean_text: boolean;
  vocab_size: number;
  special_tokens: string[];
  max_input_chars_per_word: number;
}

const BOOLEAN_KEYS = ['lowercase', 'handle_chinese_chars', 'clean_text'] as const;
const KNOWN_KEYS = new Set([...BOOLEAN_KEYS, 'strip_accents', 'vocab_size', 'special_tokens', 'max_input_chars_per_word']);

/** Checks a parsed tokenizer.json; unknown keys are rejected so a typo cannot silently fall back to a default. */
export function parseTokenizerConfig(value: unknown, file: string): TokenizerConfig {
  const fail = (message: string): never => {
    throw new TokenizerFileError(message, file, 'tokenizer.json is written by tokenizer/wordpiece@v1; rebuild the artifact');
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('expected a JSON object');
  const raw = value as Record<string, unknown>;
  for (const key of Object.keys(raw)) if (!KNOWN_KEYS.has(key)) fail(`unknown key "${key}"`);
  for (const key of BOOLEAN_KEYS) if (typeof raw[key] !== 'boolean') fail(`"${key}" must be true or false`);
  const strip = raw.strip_accents ?? null;
  if (strip !== null && typeof strip !== 'boolean') fail('"strip_accents" must be true, false or null');
  const positive = (key: string): number => {
    const n = raw[key];
    return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : fail(`"${key}" must be a positive integer`);
  };
  const specials = raw.special_tokens ?? [...SPECIAL_TOKENS];
  if (!Array.isArray(specials) || !specials.every((t) => typeof t === 'string')) {
    fail('"special_tokens" must be a list of strings');
  }
  return {
    lowercase: raw.lowercase as boolean,
    strip_accents: strip as boolean | null,
    handle_chinese_chars: raw.handle_chinese_chars as boolean,
    clean_text: raw.clean_text as boolean,
    vocab_size: positive('vocab_size'),
    special_tokens: specials as string[],
    max_input_chars_per_word: raw.max_input_chars_per_word === undefined ? 100 : positive('max_input_chars_per_word'),
  };
}
