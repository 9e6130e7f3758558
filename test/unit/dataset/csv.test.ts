import { describe, expect, it } from 'vitest';

import { CsvParser, parseCsv } from '../../../nlp/dataset/csv';
import { DatasetInputError } from '../../../nlp/dataset/errors';

const fields = (text: string, delimiter = ','): string[][] => parseCsv(text, delimiter).map((r) => r.fields);

function errorOf(text: string): DatasetInputError {
  try {
    parseCsv(text, ',', 'data.csv');
  } catch (error) {
    expect(error).toBeInstanceOf(DatasetInputError);
    return error as DatasetInputError;
  }
  throw new Error('expected a parse error');
}

describe('CsvParser', () => {
  it('splits plain fields, keeping empty ones and a trailing empty one', () => {
    expect(fields('a,b,c\n1,,3\n4,5,\n')).toEqual([
      ['a', 'b', 'c'],
      ['1', '', '3'],
      ['4', '5', ''],
    ]);
  });

  it('reads the last record without a final newline', () => {
    expect(fields('a,b\n1,2')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('takes delimiters, escaped quotes and newlines inside quoted fields', () => {
    expect(fields('"a, b","say ""hi""","line 1\nline 2"\n""\n')).toEqual([['a, b', 'say "hi"', 'line 1\nline 2'], ['']]);
  });

  it('numbers records by the line they start on, counting newlines inside quotes', () => {
    const records = parseCsv('h\n"x\ny\nz"\n\nlast\n');
    expect(records.map((r) => [r.line, r.fields])).toEqual([
      [1, ['h']],
      [2, ['x\ny\nz']],
      [6, ['last']],
    ]);
  });

  it('ends records at CRLF but keeps a CRLF inside quotes', () => {
    expect(fields('a,b\r\n1,"x\r\ny"\r\n2,3\r\n')).toEqual([
      ['a', 'b'],
      ['1', 'x\r\ny'],
      ['2', '3'],
    ]);
  });

  it('gives the same records whatever the chunk boundaries, even between CR and LF', () => {
    const text = 'id,text\r\n1,"a ""quoted"", multi\r\nline"\r\n2,plain\r\n\r\n3,"end"';
    const whole = parseCsv(text);
    const parser = new CsvParser(',', 'chunks');
    const pieces = [...text].flatMap((ch) => parser.push(ch));
    expect([...pieces, ...parser.end()]).toEqual(whole);
    expect(whole.map((r) => r.fields)).toEqual([['id', 'text'], ['1', 'a "quoted", multi\r\nline'], ['2', 'plain'], ['3', 'end']]);
  });

  it('skips blank lines and keeps a quote inside an unquoted field as a character', () => {
    expect(fields('\na,b\n\n5" screen,ok\n\n')).toEqual([
      ['a', 'b'],
      ['5" screen', 'ok'],
    ]);
  });

  it('splits tsv on tabs, with the same quoting', () => {
    expect(fields('a\tb\n"x\ty"\tz, w\n', '\t')).toEqual([
      ['a', 'b'],
      ['x\ty', 'z, w'],
    ]);
  });

  it('refuses text after a closing quote, naming the line', () => {
    const error = errorOf('a,b\n1,"x" y\n');
    expect(error.message).toBe('data.csv:2: unexpected " " after the closing quote of a field');
    expect(error.hint).toContain('two quotes ("")');
  });

  it('refuses a quote that never closes, naming the line it opened on', () => {
    expect(errorOf('a,b\n1,ok\n2,"never\nclosed\n').message).toBe('data.csv:3: a quoted field starts here and is never closed');
  });
});
