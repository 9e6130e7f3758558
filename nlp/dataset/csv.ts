import { DatasetInputError } from './errors';

/** A record and the (1-based) line it starts on: messages name the line a user sees in an editor. */
export interface CsvRecord {
  fields: string[];
  line: number;
}

/** `quote`: a quote inside a quoted field, either the first of `""` or the closing quote. */
type State = 'start' | 'unquoted' | 'quoted' | 'quote';

/**
 * An RFC 4180 parser fed text in chunks: fields may be quoted, `""` is a quote inside a quoted field, quoted
 * fields may hold delimiters and newlines, records end with LF or CRLF. Lenient where no meaning is lost: a quote
 * inside an unquoted field is kept as a character, and blank lines are skipped. Strict where guessing would
 * corrupt data: text after a closing quote, or a quote that never closes, is an error naming the line.
 */
export class CsvParser {
  private state: State = 'start';
  private field = '';
  private fields: string[] = [];
  private line = 1;
  private recordLine = 1;
  private quoteLine = 1;
  private hasContent = false;
  /** A CR at the end of a chunk: whether it ends a line depends on the next chunk's first character. */
  private heldCr = false;
  private records: CsvRecord[] = [];

  constructor(
    private readonly delimiter: string,
    /** Names the input in error messages, e.g. `data.csv`. */
    private readonly name: string,
  ) {}

  /** Parses `chunk` and returns the records it completed. */
  push(chunk: string): CsvRecord[] {
    let text = this.heldCr ? `\r${chunk}` : chunk;
    this.heldCr = text.endsWith('\r');
    if (this.heldCr) text = text.slice(0, -1);
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (ch === '\r' && text[i + 1] === '\n' && this.state !== 'quoted') continue; // CRLF: the LF ends the record
      this.consume(ch);
    }
    return this.take();
  }

  /** Ends the input: returns the last record, or throws if a quoted field is still open. */
  end(): CsvRecord[] {
    if (this.heldCr && this.state === 'quoted') this.field += '\r';
    this.heldCr = false;
    if (this.state === 'quoted') {
      throw new DatasetInputError(
        `${this.name}:${this.quoteLine}: a quoted field starts here and is never closed`,
        'a quote inside a quoted field is written as two quotes ("")',
      );
    }
    this.endRecord();
    return this.take();
  }

  private consume(ch: string): void {
    switch (this.state) {
      case 'start':
        if (ch === '"') {
          this.state = 'quoted';
          this.quoteLine = this.line;
          this.hasContent = true;
        } else this.unquoted(ch);
        return;
      case 'unquoted':
        this.unquoted(ch);
        return;
      case 'quoted':
        if (ch === '"') this.state = 'quote';
        else {
          if (ch === '\n') this.line += 1;
          this.field += ch;
        }
        return;
      case 'quote':
        if (ch === '"') {
          this.field += '"';
          this.state = 'quoted';
        } else if (ch === this.delimiter) this.endField();
        else if (ch === '\n') this.endLine();
        else {
          throw new DatasetInputError(
            `${this.name}:${this.line}: unexpected ${JSON.stringify(ch)} after the closing quote of a field`,
            'a quote inside a quoted field is written as two quotes (""); nothing may follow the closing quote but a delimiter or the end of the line',
          );
        }
        return;
    }
  }

  private unquoted(ch: string): void {
    if (ch === this.delimiter) {
      this.hasContent = true;
      this.endField();
    } else if (ch === '\n') this.endLine();
    else {
      this.state = 'unquoted';
      this.hasContent = true;
      this.field += ch;
    }
  }

  private endField(): void {
    this.fields.push(this.field);
    this.field = '';
    this.state = 'start';
  }

  private endLine(): void {
    this.endRecord();
    this.line += 1;
    this.recordLine = this.line;
  }

  private endRecord(): void {
    // A blank line is no record (a lone `""` is: it has content).
    if (this.hasContent) {
      this.fields.push(this.field);
      this.records.push({ fields: this.fields, line: this.recordLine });
    }
    this.fields = [];
    this.field = '';
    this.state = 'start';
    this.hasContent = false;
  }

  private take(): CsvRecord[] {
    const records = this.records;
    this.records = [];
    return records;
  }
}

/** Parses a whole string (tests and small inputs). */
export function parseCsv(text: string, delimiter = ',', name = 'input'): CsvRecord[] {
  const parser = new CsvParser(delimiter, name);
  return [...parser.push(text), ...parser.end()];
}
