import { openDecompressed, readLines } from '../corpus/text-input';
import { CsvParser, type CsvRecord } from './csv';
import { DatasetInputError } from './errors';
import type { DatasetFormat } from './types';

/** One row of a csv/tsv/jsonl file, by column (or key) name. */
export interface Row {
  /** The 1-based line the row starts on. */
  line: number;
  values: { [key: string]: unknown };
  /** csv/tsv: the header; jsonl: the keys of this line's object. */
  columns: readonly string[];
}

const EXTENSIONS: { [ext: string]: DatasetFormat } = { csv: 'csv', tsv: 'tsv', tab: 'tsv', jsonl: 'jsonl', ndjson: 'jsonl' };

/** The format a file or url name implies (`.csv`, `.tsv`, `.jsonl`, each optionally `.gz`), if any. */
export function inferFormat(name: string): DatasetFormat | undefined {
  const pathname = /^https?:\/\//u.test(name) ? new URL(name).pathname : name;
  const ext = /\.([a-z]+)(?:\.gz)?$/iu.exec(pathname)?.[1]?.toLowerCase();
  return ext === undefined ? undefined : EXTENSIONS[ext];
}

/** The rows of `file` (gzip or not); `name` is how messages call it. */
export function readRows(file: string, format: DatasetFormat, name: string): AsyncGenerator<Row> {
  return format === 'jsonl' ? jsonlRows(file, name) : tableRows(file, format === 'csv' ? ',' : '\t', name);
}

/** csv/tsv with a header row. Text is decoded as UTF-8 (bad bytes become U+FFFD); a BOM is dropped. */
async function* tableRows(file: string, delimiter: string, name: string): AsyncGenerator<Row> {
  const parser = new CsvParser(delimiter, name);
  const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });
  let columns: string[] | undefined;
  const rowsOf = function* (records: CsvRecord[]): Generator<Row> {
    for (const record of records) {
      if (record.fields.length === 1 && record.fields[0]!.trim() === '') continue; // a line of spaces
      if (columns === undefined) {
        columns = header(record);
        continue;
      }
      if (record.fields.length !== columns.length) {
        throw new DatasetInputError(
          `${name}:${record.line}: ${record.fields.length} fields, but the header has ${columns.length} (${columns.join(', ')})`,
          `a field that contains ${delimiter === ',' ? 'a comma' : 'a tab'}, a quote or a newline must be quoted: "like, ""this"""`,
        );
      }
      const values: { [key: string]: string } = {};
      // The first of two same-named columns wins.
      columns.forEach((column, i) => (values[column] ??= record.fields[i]!));
      yield { line: record.line, values, columns };
    }
  };
  for await (const chunk of await openDecompressed(file)) {
    yield* rowsOf(parser.push(decoder.decode(chunk as Buffer, { stream: true })));
  }
  yield* rowsOf(parser.push(decoder.decode()));
  yield* rowsOf(parser.end());
  if (columns === undefined) {
    throw new DatasetInputError(`${name} is empty`, 'csv and tsv files need a header row naming the columns, then one row per example');
  }
}

function header(record: CsvRecord): string[] {
  return record.fields.map((field) => field.replace(/^\uFEFF/u, '').trim());
}

/** One JSON object per line; blank lines are skipped. */
async function* jsonlRows(file: string, name: string): AsyncGenerator<Row> {
  let line = 0;
  for await (const text of readLines(file)) {
    line += 1;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new DatasetInputError(
        `${name}:${line}: not valid JSON (${(error as Error).message})`,
        'jsonl holds one JSON object per line, e.g. {"text": "great film", "label": "positive"}',
      );
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      const got = Array.isArray(value) ? 'an array' : JSON.stringify(value);
      throw new DatasetInputError(
        `${name}:${line}: expected a JSON object, got ${got}`,
        'jsonl holds one JSON object per line, e.g. {"text": "great film", "label": "positive"}',
      );
    }
    yield { line, values: value as { [key: string]: unknown }, columns: Object.keys(value) };
  }
}
