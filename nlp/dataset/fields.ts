import { closest } from '../../compiler/suggest';
import { DatasetInputError } from './errors';
import type { Row } from './rows';
import type { FieldNames, RawExample } from './types';

/** The `with` keys that name each field, for messages. */
const SETTINGS = { text: 'text_field', textPair: 'text_pair_field', label: 'label_field' } as const;

/**
 * Throws when a configured field is not a column of the first row (csv/tsv: the header; jsonl: the first
 * object's keys), naming the columns that are there and the closest one.
 */
export function checkFields(row: Row, fields: FieldNames, name: string, jsonl: boolean): void {
  for (const key of ['text', 'textPair', 'label'] as const) {
    const field = fields[key];
    if (field === undefined || row.columns.includes(field)) continue;
    const what = jsonl ? 'field' : 'column';
    const where = jsonl ? `${name}:${row.line}` : name;
    const found = row.columns.length > 0 ? row.columns.join(', ') : '(none)';
    const guess = closest(field, row.columns);
    const hint = guess
      ? `did you mean "${guess}"? set ${SETTINGS[key]} to one of the ${what}s`
      : `set ${SETTINGS[key]} to one of the ${what}s`;
    throw new DatasetInputError(`${what} "${field}" not found in ${where}; ${what}s: ${found}`, hint + formatHint(row.columns));
  }
}

/** A header that is one column holding the other delimiter: the format is probably wrong. */
function formatHint(columns: readonly string[]): string {
  if (columns.length !== 1) return '';
  if (columns[0]!.includes('\t')) return ' (the header has tabs: is this tsv? set format: tsv)';
  if (columns[0]!.includes(',')) return ' (the header has commas: is this csv? set format: csv)';
  return '';
}

/**
 * The example a row holds, or null when its text (or its second text, for pairs) is empty: empty texts are
 * counted, not errors. A missing label is an error naming the line: silently dropping it would hide bad data.
 */
export function rowExample(row: Row, fields: FieldNames, name: string): RawExample | null {
  const where = `${name}:${row.line}`;
  const text = textOf(row, fields.text, 'text', where);
  const textPair = fields.textPair === undefined ? undefined : textOf(row, fields.textPair, 'textPair', where);
  if (text === '' || textPair === '') return null;
  const label = labelOf(row.values[fields.label], fields.label, where);
  return textPair === undefined ? { text, label, where } : { text, textPair, label, where };
}

function textOf(row: Row, field: string, key: 'text' | 'textPair', where: string): string {
  const value = row.values[field];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') {
    throw new DatasetInputError(
      `${where}: ${SETTINGS[key]} "${field}" must be a string (got ${JSON.stringify(value)})`,
      `check that ${SETTINGS[key]} names the column that holds the text`,
    );
  }
  return value.trim();
}

/** A label's string form: names ids in labels.json and is what equal labels are compared by. */
function labelOf(value: unknown, field: string, where: string): string {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  const label = typeof value === 'string' ? value.trim() : value;
  if (typeof label === 'string' && label !== '') return label;
  if (label === undefined || label === null || label === '') {
    throw new DatasetInputError(
      `${where}: the label is missing (label_field "${field}" is empty)`,
      'every example needs a label: give this row one or remove it',
    );
  }
  throw new DatasetInputError(
    `${where}: label_field "${field}" must be a string or a number (got ${JSON.stringify(value)})`,
    'labels are class names like "positive" or class numbers like 1',
  );
}
