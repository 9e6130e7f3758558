// A Hugging Face tokenizer in kiln's terms (a token list and a TokenizerConfig), and the export back. Two forms:
// tokenizer.json, the `tokenizers` library's file (preferred: it states every stage), or transformers' older
// vocab.txt with tokenizer_config.json. Anything kiln's BertTokenizer would tokenize differently is refused.
import fs from 'node:fs/promises';
import path from 'node:path';

import type { TokenizerConfig } from '../tokenizer/config';
import type { BertTokenizer } from '../tokenizer/tokenizer';
import { parseVocabText, SPECIAL_TOKENS, vocabText } from '../tokenizer/vocab';
import { DEFAULT_WORDPIECE_OPTIONS } from '../tokenizer/wordpiece';
import { HfFormatError } from './errors';

export interface HfTokenizer {
  /** The vocab: id = index. */
  tokens: string[];
  config: TokenizerConfig;
  /** The file it came from (tokenizer.json or vocab.txt). */
  source: string;
}

type Json = Record<string, unknown>;
type Normalization = Pick<TokenizerConfig, 'lowercase' | 'strip_accents' | 'handle_chinese_chars' | 'clean_text'>;

const HINT = 'kiln imports BERT WordPiece tokenizers as transformers saves them (BertTokenizer / BertTokenizerFast)';
/** transformers classes that are BertTokenizer under another name. */
const BERT_CLASSES = ['Bert', 'DistilBert', 'Electra', 'MobileBert', 'SqueezeBert', 'LayoutLM'].flatMap((c) => [`${c}Tokenizer`, `${c}TokenizerFast`]);
const SPECIAL_KEYS = { unk_token: '[UNK]', sep_token: '[SEP]', pad_token: '[PAD]', cls_token: '[CLS]', mask_token: '[MASK]' } as const;
const MAX_INPUT_CHARS = DEFAULT_WORDPIECE_OPTIONS.maxInputCharsPerWord;

/** Reads `dir`'s tokenizer.json, else its vocab.txt (+ tokenizer_config.json); an HfFormatError says what is wrong. */
export async function readHfTokenizer(dir: string): Promise<HfTokenizer> {
  const jsonFile = path.join(dir, 'tokenizer.json');
  const configFile = path.join(dir, 'tokenizer_config.json');
  const vocabFile = path.join(dir, 'vocab.txt');
  const settings = await readJson(configFile);
  const json = await readJson(jsonFile);
  if (json !== undefined) {
    const result = fromTokenizerJson(json, jsonFile);
    // transformers builds its normaliser from tokenizer_config.json, `tokenizers` from tokenizer.json.
    if (settings !== undefined) checkAgreement(result.config, settings, configFile, jsonFile);
    return result;
  }
  const text = await readText(vocabFile);
  if (text === undefined) {
    throw new HfFormatError(
      'no tokenizer here: looked for tokenizer.json, then vocab.txt (with an optional tokenizer_config.json)',
      dir,
      'point at the directory of a Hugging Face BERT model (the one holding config.json)',
    );
  }
  const tokens = parseVocabText(text);
  checkSpecialTokens(tokens, vocabFile);
  return { tokens, config: { ...fromTokenizerConfig(settings ?? {}, configFile), ...wordPieceConfig(tokens, MAX_INPUT_CHARS) }, source: vocabFile };
}

function fromTokenizerJson(json: Json, file: string): HfTokenizer {
  const fail = (what: string, hint = HINT): never => {
    throw new HfFormatError(what, file, hint);
  };
  if (!isObject(json.model)) {
    if ('vocab_size' in json && 'lowercase' in json) fail('this is a kiln tokenizer artifact, not a Hugging Face tokenizer.json', 'load it as a kiln tokenizer (loadTokenizer)');
    return fail('no "model" object: not a Hugging Face tokenizer.json');
  }
  const model = json.model as Json;
  if (model.type !== 'WordPiece') {
    fail(`model.type is ${JSON.stringify(model.type)}: kiln's BERT tokenizer is WordPiece`, `${HINT}; BPE, Unigram and WordLevel models (GPT-2, RoBERTa, T5, ...) are not supported`);
  }
  if (model.unk_token !== '[UNK]') fail(`model.unk_token is ${JSON.stringify(model.unk_token)}; kiln's WordPiece uses "[UNK]"`);
  if (model.continuing_subword_prefix !== '##') {
    fail(`model.continuing_subword_prefix is ${JSON.stringify(model.continuing_subword_prefix)}; kiln's WordPiece uses "##"`);
  }
  const maxChars = model.max_input_chars_per_word ?? MAX_INPUT_CHARS;
  if (!isPositiveInteger(maxChars)) fail(`model.max_input_chars_per_word must be a positive integer (got ${JSON.stringify(maxChars)})`);
  const tokens = vocabFromJson(model.vocab, fail);
  checkSpecialTokens(tokens, file);
  checkAddedTokens(json.added_tokens, tokens, fail);
  const normalization = normalizerConfig(json.normalizer, fail);
  checkPreTokenizer(json.pre_tokenizer, fail);
  checkPostProcessor(json.post_processor, tokens, fail);
  return { tokens, config: { ...normalization, ...wordPieceConfig(tokens, maxChars as number) }, source: file };
}

/** model.vocab (token → id) as a list; ids must be 0..n-1, each once. */
function vocabFromJson(vocab: unknown, fail: (what: string) => never): string[] {
  if (!isObject(vocab)) return fail('model.vocab must be an object {token: id}');
  const entries = Object.entries(vocab);
  if (entries.length === 0) fail('model.vocab is empty');
  const tokens = new Array<string>(entries.length);
  for (const [token, id] of entries) {
    if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= entries.length) {
      fail(`model.vocab: ${JSON.stringify(token)} has id ${JSON.stringify(id)}; the ${entries.length} ids must be 0..${entries.length - 1}, without gaps`);
    }
    const other = tokens[id as number];
    if (other !== undefined) fail(`model.vocab: ${JSON.stringify(other)} and ${JSON.stringify(token)} share id ${id as number}`);
    // kiln keeps vocabs as vocab.txt, one token a line.
    if (token === '' || parseVocabText(`${token}\n`)[0] !== token) fail(`model.vocab: token ${JSON.stringify(token)} (id ${id as number}) cannot be a line of vocab.txt`);
    tokens[id as number] = token;
  }
  return tokens;
}

/** Special tokens are matched in the raw text by `tokenizers` but not by kiln (nor Google's BERT); other added tokens would change ids. */
function checkAddedTokens(added: unknown, tokens: string[], fail: (what: string) => never): void {
  if (added === undefined || added === null) return;
  if (!Array.isArray(added)) fail('added_tokens must be a list');
  for (const token of added as unknown[]) {
    const { id, content, special } = isObject(token) ? token : ({} as Json);
    if (typeof content !== 'string' || !Number.isInteger(id)) fail(`added_tokens: expected {id, content, special}, got ${JSON.stringify(token)}`);
    if (tokens[id as number] !== content) fail(`added_tokens: ${JSON.stringify(content)} has id ${id as number}, which model.vocab does not give it`);
    if (special !== true) fail(`added_tokens: ${JSON.stringify(content)} is not special; kiln's tokenizer splits text by its vocab alone`);
  }
}

/** BertNormalizer, alone or as the only member of a Sequence; none at all is BertNormalizer with every step off. */
function normalizerConfig(normalizer: unknown, fail: (what: string) => never): Normalization {
  if (normalizer === null || normalizer === undefined) return { lowercase: false, strip_accents: false, handle_chinese_chars: false, clean_text: false };
  const only = single(normalizer);
  if (!isObject(only) || only.type !== 'BertNormalizer') {
    return fail(`normalizer is ${describeComponent(normalizer)}; kiln's tokenizer normalises as BertNormalizer does`);
  }
  const flag = (key: string): boolean => (typeof only[key] === 'boolean' ? (only[key] as boolean) : fail(`normalizer.${key} must be true or false`));
  const strip = only.strip_accents ?? null;
  if (strip !== null && typeof strip !== 'boolean') fail('normalizer.strip_accents must be true, false or null');
  return { lowercase: flag('lowercase'), strip_accents: strip as boolean | null, handle_chinese_chars: flag('handle_chinese_chars'), clean_text: flag('clean_text') };
}

function checkPreTokenizer(preTokenizer: unknown, fail: (what: string) => never): void {
  const only = single(preTokenizer);
  if (!isObject(only) || only.type !== 'BertPreTokenizer') {
    fail(`pre_tokenizer is ${describeComponent(preTokenizer)}; kiln's tokenizer splits words as BertPreTokenizer does`);
  }
}

/** kiln always encodes `[CLS] A [SEP]` and `[CLS] A [SEP] B [SEP]` (segments 0…0 1…1), as BertProcessing does. */
function checkPostProcessor(post: unknown, tokens: string[], fail: (what: string) => never): void {
  const cls = tokens.indexOf('[CLS]');
  const sep = tokens.indexOf('[SEP]');
  const wrong = (): never => fail(`post_processor is ${describeComponent(post)}; kiln encodes [CLS] A [SEP] and [CLS] A [SEP] B [SEP] (BertProcessing)`);
  const only = single(post);
  if (!isObject(only)) return wrong();
  if (only.type === 'BertProcessing') {
    if (!same(only.cls, ['[CLS]', cls]) || !same(only.sep, ['[SEP]', sep])) wrong();
    return;
  }
  if (only.type !== 'TemplateProcessing') return wrong();
  const special = (id: string, typeId: number) => ({ SpecialToken: { id, type_id: typeId } });
  const sequence = (id: string, typeId: number) => ({ Sequence: { id, type_id: typeId } });
  const singleTemplate = [special('[CLS]', 0), sequence('A', 0), special('[SEP]', 0)];
  const pairTemplate = [...singleTemplate, sequence('B', 1), special('[SEP]', 1)];
  const specials = { '[CLS]': { id: '[CLS]', ids: [cls], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [sep], tokens: ['[SEP]'] } };
  if (!same(only.single, singleTemplate) || !same(only.pair, pairTemplate) || !same(only.special_tokens, specials)) wrong();
}

/** tokenizer_config.json's settings (transformers' defaults for those it lacks). BertTokenizer always cleans text. */
function fromTokenizerConfig(settings: Json, file: string): Normalization {
  const fail = (what: string): never => {
    throw new HfFormatError(what, file, HINT);
  };
  const cls = settings.tokenizer_class;
  if (cls !== undefined && cls !== null && !BERT_CLASSES.includes(cls as string)) {
    fail(`tokenizer_class is ${JSON.stringify(cls)}; kiln reads vocab.txt as BertTokenizer does (${BERT_CLASSES.filter((c) => !c.endsWith('Fast')).join(', ')})`);
  }
  if (settings.do_basic_tokenize === false) fail('do_basic_tokenize is false; kiln always splits on whitespace and punctuation first');
  const neverSplit = settings.never_split;
  if (neverSplit !== undefined && neverSplit !== null && !(Array.isArray(neverSplit) && neverSplit.length === 0)) {
    fail(`never_split is ${JSON.stringify(neverSplit)}; kiln's tokenizer has no never-split list`);
  }
  checkSpecialTokenNames(settings, fail);
  const flag = (key: string, fallback: boolean): boolean => {
    const value = settings[key] ?? fallback;
    return typeof value === 'boolean' ? value : fail(`${key} must be true or false (got ${JSON.stringify(value)})`);
  };
  const strip = settings.strip_accents ?? null;
  if (strip !== null && typeof strip !== 'boolean') fail(`strip_accents must be true, false or null (got ${JSON.stringify(strip)})`);
  return { lowercase: flag('do_lower_case', true), strip_accents: strip as boolean | null, handle_chinese_chars: flag('tokenize_chinese_chars', true), clean_text: true };
}

/** tokenizer_config.json next to a tokenizer.json: the settings it states must match (transformers would use them). */
function checkAgreement(config: TokenizerConfig, settings: Json, configFile: string, jsonFile: string): void {
  const fail = (what: string): never => {
    throw new HfFormatError(`${what}, but ${path.basename(jsonFile)}'s normalizer says otherwise`, configFile, 'make the two files agree (transformers follows tokenizer_config.json, the tokenizers library tokenizer.json)');
  };
  checkSpecialTokenNames(settings, (what) => {
    throw new HfFormatError(what, configFile, HINT);
  });
  const lowercase = settings.do_lower_case;
  if (lowercase !== undefined && lowercase !== config.lowercase) fail(`do_lower_case is ${JSON.stringify(lowercase)}`);
  const chinese = settings.tokenize_chinese_chars;
  if (chinese !== undefined && chinese !== config.handle_chinese_chars) fail(`tokenize_chinese_chars is ${JSON.stringify(chinese)}`);
  const strip = settings.strip_accents;
  if (strip !== undefined && (strip ?? lowercase ?? config.lowercase) !== (config.strip_accents ?? config.lowercase)) fail(`strip_accents is ${JSON.stringify(strip)}`);
}

/** unk_token etc., as strings or AddedToken objects, must be the ones kiln's BertTokenizer uses. */
function checkSpecialTokenNames(settings: Json, fail: (what: string) => never): void {
  for (const [key, expected] of Object.entries(SPECIAL_KEYS)) {
    const value = settings[key];
    const content = isObject(value) ? value.content : value;
    if (content !== undefined && content !== null && content !== expected) fail(`${key} is ${JSON.stringify(content)}; kiln's BertTokenizer uses ${expected}`);
  }
}

function checkSpecialTokens(tokens: string[], file: string): void {
  const missing = SPECIAL_TOKENS.filter((token) => !tokens.includes(token));
  if (missing.length > 0) {
    throw new HfFormatError(`the vocab lacks ${missing.join(' ')}`, file, "kiln's BERT tokenizer needs [PAD] [UNK] [CLS] [SEP] [MASK] in the vocab");
  }
}

function wordPieceConfig(tokens: string[], maxInputCharsPerWord: number): Pick<TokenizerConfig, 'vocab_size' | 'special_tokens' | 'max_input_chars_per_word'> {
  return { vocab_size: tokens.length, special_tokens: [...SPECIAL_TOKENS], max_input_chars_per_word: maxInputCharsPerWord };
}

/**
 * vocab.txt and tokenizer_config.json, which transformers' BertTokenizer (and AutoTokenizer) load as they are.
 * `modelMaxLength`: the model's max_position_embeddings.
 */
export async function writeHfTokenizerFiles(dir: string, tokenizer: BertTokenizer, options: { modelMaxLength?: number } = {}): Promise<void> {
  const config = tokenizer.config();
  const configFile = path.join(dir, 'tokenizer_config.json');
  // transformers' BertTokenizer has no switch for these two.
  if (!config.clean_text) throw new HfFormatError('clean_text is false, which BertTokenizer cannot express (it always cleans text)', configFile, 'export a tokenizer trained with clean_text: true');
  if (config.max_input_chars_per_word !== MAX_INPUT_CHARS) {
    throw new HfFormatError(`max_input_chars_per_word is ${config.max_input_chars_per_word}; BertTokenizer always uses ${MAX_INPUT_CHARS}`, configFile, `export a tokenizer with max_input_chars_per_word: ${MAX_INPUT_CHARS}`);
  }
  const settings = {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: config.lowercase,
    strip_accents: config.strip_accents,
    tokenize_chinese_chars: config.handle_chinese_chars,
    do_basic_tokenize: true,
    never_split: null,
    ...SPECIAL_KEYS,
    model_max_length: options.modelMaxLength ?? 512,
  };
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'vocab.txt'), vocabText(tokenizer.vocab));
  await fs.writeFile(configFile, `${JSON.stringify(settings, null, 2)}\n`);
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new HfFormatError(`cannot read (${code ?? String(error)})`, file, 'check the file permissions');
  }
}

async function readJson(file: string): Promise<Json | undefined> {
  const text = await readText(file);
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HfFormatError(`not valid JSON (${(error as Error).message})`, file, 'download the file again');
  }
  if (!isObject(value)) throw new HfFormatError('expected a JSON object', file, HINT);
  return value;
}

/** A Sequence of one component is that component. */
function single(component: unknown): unknown {
  if (!isObject(component) || component.type !== 'Sequence') return component;
  const members = component.normalizers ?? component.pretokenizers ?? component.processors;
  return Array.isArray(members) && members.length === 1 ? single(members[0]) : component;
}

function describeComponent(component: unknown): string {
  if (!isObject(component)) return JSON.stringify(component ?? null);
  const members = component.normalizers ?? component.pretokenizers ?? component.processors;
  if (component.type === 'Sequence' && Array.isArray(members)) {
    return `a Sequence of ${members.map((m: unknown) => (isObject(m) ? String(m.type) : JSON.stringify(m))).join(', ')}`;
  }
  const processor = component.type === 'BertProcessing' || component.type === 'TemplateProcessing';
  return processor ? `a ${String(component.type)} other than BERT's` : String(component.type);
}

/** Equal as JSON values, whatever the order of object keys. */
function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => key in b && same(a[key], b[key]));
  }
  return a === b;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPositiveInteger(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}
