// sentence-transformers' description of a model (modules.json and each module's config) as a kiln Pooling. kiln
// runs Transformer → Pooling (mean or [CLS]) → optional Normalize; any other module would change the embedding.
import fs from 'node:fs/promises';
import path from 'node:path';

import type { Pooling } from '../bert/pooling';
import { HfFormatError } from './errors';

export interface SentenceTransformersModel {
  pooling: Pooling;
  /** sentence_bert_config.json's max_seq_length: longer texts are truncated to it (in tokens, [CLS] and [SEP] included). */
  maxSeqLength?: number;
  /** The modules' class names in order, e.g. ['Transformer', 'Pooling', 'Normalize']. */
  modules: string[];
}

type Json = Record<string, unknown>;

const PREFIX = 'sentence_transformers.models.';
const HINT = 'kiln runs sentence-transformers models made of Transformer, Pooling (mean or cls) and optionally Normalize';
/** Pooling config keys for the modes kiln does not have. */
const OTHER_MODES = ['pooling_mode_max_tokens', 'pooling_mode_mean_sqrt_len_tokens', 'pooling_mode_weightedmean_tokens', 'pooling_mode_lasttoken'];

/** undefined when `dir` has no modules.json (a plain transformers model). */
export async function readSentenceTransformers(dir: string): Promise<SentenceTransformersModel | undefined> {
  const modulesFile = path.join(dir, 'modules.json');
  const list = await readJson(modulesFile);
  if (list === undefined) return undefined;
  const fail = (what: string): never => {
    throw new HfFormatError(what, modulesFile, HINT);
  };
  if (!Array.isArray(list)) return fail('expected a JSON list of modules');
  const modules = list.map((entry: unknown, i) => {
    const { type, path: where, idx } = isObject(entry) ? entry : ({} as Json);
    if (typeof type !== 'string' || typeof where !== 'string') fail(`entry ${i}: expected {"idx", "name", "path", "type"}, got ${JSON.stringify(entry)}`);
    return { type: (type as string).startsWith(PREFIX) ? (type as string).slice(PREFIX.length) : (type as string), path: where as string, idx: typeof idx === 'number' ? idx : i };
  });
  modules.sort((a, b) => a.idx - b.idx);
  const names = modules.map((m) => m.type);
  const layout = names.join(' → ');
  if (!(names.length === 2 || (names.length === 3 && names[2] === 'Normalize')) || names[0] !== 'Transformer' || names[1] !== 'Pooling') {
    fail(`the modules are ${layout || 'none'}; kiln needs Transformer → Pooling, optionally → Normalize`);
  }
  if (modules[0]!.path !== '') {
    fail(`the Transformer module is in ${modules[0]!.path}/; kiln reads the model from the directory holding modules.json`);
  }
  const pooling = await readPooling(path.join(dir, modules[1]!.path, 'config.json'));
  return { pooling: { mode: pooling, normalize: names.length === 3 }, ...(await readMaxSeqLength(dir)), modules: names };
}

async function readPooling(file: string): Promise<Pooling['mode']> {
  const config = await readJson(file);
  const fail = (what: string): never => {
    throw new HfFormatError(what, file, HINT);
  };
  if (config === undefined) return fail('missing: modules.json lists a Pooling module here');
  if (!isObject(config)) return fail('expected a JSON object');
  const others = OTHER_MODES.filter((key) => config[key] === true);
  if (others.length > 0) fail(`${others.join(', ')} ${others.length === 1 ? 'is' : 'are'} true; kiln pools by the mean or by [CLS]`);
  const mean = config.pooling_mode_mean_tokens === true;
  const cls = config.pooling_mode_cls_token === true;
  if (mean && cls) fail('pooling_mode_mean_tokens and pooling_mode_cls_token are both true (a concatenation); kiln pools by one of them');
  if (!mean && !cls) fail('neither pooling_mode_mean_tokens nor pooling_mode_cls_token is true');
  return mean ? 'mean' : 'cls';
}

async function readMaxSeqLength(dir: string): Promise<{ maxSeqLength?: number }> {
  const file = path.join(dir, 'sentence_bert_config.json');
  const config = await readJson(file);
  if (config === undefined) return {};
  const fail = (what: string): never => {
    throw new HfFormatError(what, file, HINT);
  };
  if (!isObject(config)) return fail('expected a JSON object');
  // sentence-transformers would lowercase the text before the tokenizer sees it; kiln passes it on as it is.
  if (config.do_lower_case === true) fail('do_lower_case is true; kiln leaves casing to the tokenizer (set it to false if the tokenizer lowercases)');
  const max = config.max_seq_length;
  if (max === undefined || max === null) return {};
  if (typeof max !== 'number' || !Number.isInteger(max) || max <= 0) fail(`max_seq_length must be a positive integer (got ${JSON.stringify(max)})`);
  return { maxSeqLength: max as number };
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new HfFormatError(`cannot read (${code ?? String(error)})`, file, 'check the file permissions');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HfFormatError(`not valid JSON (${(error as Error).message})`, file, 'download the file again');
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
