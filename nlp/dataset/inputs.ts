import type { Json } from '../../compiler/types';
import { DatasetInputError } from './errors';
import {
  BUILTIN_DATASETS,
  DATASET_FORMATS,
  SENTIMENT_SUBSETS,
  type BuiltinDataset,
  type DatasetFormat,
  type DatasetSource,
  type FieldNames,
  type SentimentSubset,
  type SplitOptions,
} from './types';

export interface DatasetLoadInputs {
  sources: DatasetSource[];
  /** When absent, each file or url source's format comes from its extension. */
  format?: DatasetFormat;
  fields: FieldNames;
  split: SplitOptions;
}

/** Defaults of `split`: 10% validation, 10% test, seed 13. */
export const DEFAULT_SPLIT: SplitOptions = { validation: 0.1, test: 0.1, seed: 13 };

const SHA256 = /^[0-9a-f]{64}$/u;
const KEYS = { url: ['url', 'sha256'], file: ['file', 'sha256'], dataset: ['dataset', 'subsets'] };
const SPLIT_KEYS = ['validation', 'test', 'seed'];

/**
 * The step's `with`, checked again at the activity's edge. The compiler validates it against the schema; this
 * keeps a hand-started workflow (or an older plan) from turning a typo into a confusing failure later, and checks
 * what a schema cannot say (the split fractions must leave something to train on).
 */
export function parseDatasetInputs(inputs: { [key: string]: Json }): DatasetLoadInputs {
  const sources = inputs.sources;
  if (!Array.isArray(sources) || sources.length === 0) {
    throw new DatasetInputError('with.sources: must be a non-empty list', 'e.g. sources: [{ file: reviews.csv }]');
  }
  const format = inputs.format ?? undefined;
  if (format !== undefined && !DATASET_FORMATS.includes(format as DatasetFormat)) {
    throw new DatasetInputError(`with.format: must be one of ${DATASET_FORMATS.join(', ')} (got ${JSON.stringify(format)})`);
  }
  const fields: FieldNames = {
    text: fieldName(inputs.text_field, 'text_field', 'text'),
    label: fieldName(inputs.label_field, 'label_field', 'label'),
  };
  const pair = inputs.text_pair_field ?? undefined;
  if (pair !== undefined) fields.textPair = fieldName(pair, 'text_pair_field', '');
  return {
    sources: sources.map((source, i) => parseSource(source, `with.sources[${i}]`)),
    ...(format === undefined ? {} : { format: format as DatasetFormat }),
    fields,
    split: parseSplit(inputs.split ?? {}),
  };
}

function fieldName(value: Json | undefined, key: string, fallback: string): string {
  const name = value ?? fallback;
  if (typeof name !== 'string' || name === '') throw new DatasetInputError(`with.${key}: must be a non-empty string (got ${JSON.stringify(name)})`);
  return name;
}

function parseSplit(value: Json): SplitOptions {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DatasetInputError('with.split: must be a map', 'e.g. split: { validation: 0.1, test: 0.1, seed: 13 }');
  }
  const unknown = Object.keys(value).filter((key) => !SPLIT_KEYS.includes(key));
  if (unknown.length > 0) throw new DatasetInputError(`with.split: unknown key ${unknown.join(', ')} (allowed: ${SPLIT_KEYS.join(', ')})`);
  const fraction = (key: 'validation' | 'test'): number => {
    const v = value[key] ?? DEFAULT_SPLIT[key];
    if (typeof v !== 'number' || !(v >= 0 && v < 1)) {
      throw new DatasetInputError(`with.split.${key}: must be a fraction >= 0 and < 1 (got ${JSON.stringify(v)})`);
    }
    return v;
  };
  const split = { validation: fraction('validation'), test: fraction('test'), seed: value.seed ?? DEFAULT_SPLIT.seed };
  if (typeof split.seed !== 'number' || !Number.isSafeInteger(split.seed)) {
    throw new DatasetInputError(`with.split.seed: must be an integer (got ${JSON.stringify(split.seed)})`);
  }
  if (split.validation + split.test >= 1) {
    throw new DatasetInputError(
      `with.split: validation + test must be < 1, leaving examples to train on (got ${split.validation} + ${split.test})`,
      'e.g. split: { validation: 0.1, test: 0.1 }',
    );
  }
  return split as SplitOptions;
}

function parseSource(value: Json, where: string): DatasetSource {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DatasetInputError(`${where}: must be a map with url, file or dataset`);
  }
  const kind = (['url', 'file', 'dataset'] as const).find((key) => key in value);
  if (!kind) throw new DatasetInputError(`${where}: needs one of url, file, dataset`);
  const unknown = Object.keys(value).filter((key) => !KEYS[kind].includes(key));
  if (unknown.length > 0) {
    const allowed = KEYS[kind].join(', ');
    throw new DatasetInputError(`${where}: unknown key ${unknown.join(', ')} for a ${kind} source (allowed: ${allowed})`);
  }
  if (kind === 'dataset') return parseDataset(value, where);
  const location = value[kind];
  if (typeof location !== 'string' || location === '') throw new DatasetInputError(`${where}.${kind}: must be a non-empty string`);
  if (kind === 'url' && !/^https?:\/\//u.test(location)) {
    throw new DatasetInputError(`${where}.url: ${location} is not an http(s) url`, 'use file: for local paths');
  }
  const sha256 = value.sha256;
  if (sha256 !== undefined && (typeof sha256 !== 'string' || !SHA256.test(sha256))) {
    throw new DatasetInputError(`${where}.sha256: must be 64 lowercase hex digits`);
  }
  const common = sha256 === undefined ? {} : { sha256: sha256 as string };
  return kind === 'url' ? { url: location, ...common } : { file: location, ...common };
}

function parseDataset(value: { [key: string]: Json }, where: string): DatasetSource {
  const { dataset, subsets = [...SENTIMENT_SUBSETS] } = value;
  if (!BUILTIN_DATASETS.includes(dataset as BuiltinDataset)) {
    throw new DatasetInputError(`${where}.dataset: unknown dataset ${JSON.stringify(dataset)}`, `one of ${BUILTIN_DATASETS.join(', ')}`);
  }
  const valid = Array.isArray(subsets) && subsets.length > 0 && subsets.every((s) => SENTIMENT_SUBSETS.includes(s as SentimentSubset));
  if (!valid || new Set(subsets).size !== subsets.length) {
    throw new DatasetInputError(
      `${where}.subsets: must be a non-empty list of distinct subsets (got ${JSON.stringify(subsets)})`,
      `choose from ${SENTIMENT_SUBSETS.join(', ')}`,
    );
  }
  return { dataset: dataset as BuiltinDataset, subsets: subsets as SentimentSubset[] };
}
