import type { Json } from '../../compiler/types';
import { CorpusInputError } from './errors';
import { DATASET_NAMES, type CorpusSource, type DatasetName, type TextFormat } from './types';

export interface CorpusDownloadInputs {
  sources: CorpusSource[];
  minSentenceChars: number;
}

const SHA256 = /^[0-9a-f]{64}$/u;
const KEYS = { url: ['url', 'sha256', 'format'], file: ['file', 'sha256', 'format'], dataset: ['dataset', 'limit'] };

/**
 * The step's `with`, checked again at the activity's edge. The compiler validates it against the schema; this
 * keeps a hand-started workflow (or an older plan) from turning a typo into a confusing failure later.
 */
export function parseCorpusInputs(inputs: { [key: string]: Json }): CorpusDownloadInputs {
  const sources = inputs.sources;
  if (!Array.isArray(sources) || sources.length === 0) {
    throw new CorpusInputError('with.sources: must be a non-empty list', 'e.g. sources: [{ dataset: sotu }]');
  }
  const min = inputs.min_sentence_chars ?? 1;
  if (typeof min !== 'number' || !Number.isInteger(min) || min < 0) {
    throw new CorpusInputError(`with.min_sentence_chars: must be an integer >= 0 (got ${JSON.stringify(min)})`);
  }
  return { sources: sources.map((source, i) => parseSource(source, `with.sources[${i}]`)), minSentenceChars: min };
}

function parseSource(value: Json, where: string): CorpusSource {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CorpusInputError(`${where}: must be a map with url, file or dataset`);
  }
  const kind = (['url', 'file', 'dataset'] as const).find((key) => key in value);
  if (!kind) throw new CorpusInputError(`${where}: needs one of url, file, dataset`);
  const unknown = Object.keys(value).filter((key) => !KEYS[kind].includes(key));
  if (unknown.length > 0) {
    const allowed = KEYS[kind].join(', ');
    throw new CorpusInputError(`${where}: unknown key ${unknown.join(', ')} for a ${kind} source (allowed: ${allowed})`);
  }
  if (kind === 'dataset') {
    const { dataset, limit } = value;
    if (!DATASET_NAMES.includes(dataset as DatasetName)) {
      const known = DATASET_NAMES.join(', ');
      throw new CorpusInputError(`${where}.dataset: unknown dataset ${JSON.stringify(dataset)}`, `one of ${known}`);
    }
    if (limit !== undefined && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1)) {
      throw new CorpusInputError(`${where}.limit: must be an integer >= 1 (got ${JSON.stringify(limit)})`);
    }
    return limit === undefined ? { dataset: dataset as DatasetName } : { dataset: dataset as DatasetName, limit };
  }
  const location = value[kind];
  if (typeof location !== 'string' || location === '') throw new CorpusInputError(`${where}.${kind}: must be a non-empty string`);
  if (kind === 'url' && !/^https?:\/\//u.test(location)) {
    throw new CorpusInputError(`${where}.url: ${location} is not an http(s) url`, 'use file: for local paths');
  }
  const { sha256, format = 'text' } = value;
  if (sha256 !== undefined && (typeof sha256 !== 'string' || !SHA256.test(sha256))) {
    throw new CorpusInputError(`${where}.sha256: must be 64 lowercase hex digits`);
  }
  if (format !== 'text' && format !== 'documents') {
    throw new CorpusInputError(`${where}.format: must be text or documents (got ${JSON.stringify(format)})`);
  }
  const common = { format: format as TextFormat, ...(sha256 === undefined ? {} : { sha256: sha256 as string }) };
  return kind === 'url' ? { url: location, ...common } : { file: location, ...common };
}
