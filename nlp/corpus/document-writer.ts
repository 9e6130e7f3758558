import fs from 'node:fs/promises';

import { normalizeWhitespace } from './sentences';
import { countWords, emptyCounts } from './stats';
import { DOCUMENT_END, type CorpusCounts, type CorpusItem } from './types';

const FLUSH_BYTES = 1 << 16;

export interface DocumentWriterOptions {
  /** Sentences shorter than this many characters (after whitespace normalisation) are dropped. Default 1. */
  minSentenceChars?: number;
}

/**
 * Writes BERT's document format: one sentence per line, exactly one blank line between documents, no trailing
 * spaces, a final newline. Empty documents vanish. Buffers a little and writes as it goes, so memory stays flat.
 */
export class DocumentWriter {
  private readonly counts = emptyCounts();
  private documentOpen = false;
  private buffer = '';

  private constructor(
    private readonly handle: fs.FileHandle,
    private readonly minSentenceChars: number,
  ) {}

  static async create(file: string, options: DocumentWriterOptions = {}): Promise<DocumentWriter> {
    return new DocumentWriter(await fs.open(file, 'w'), Math.max(1, options.minSentenceChars ?? 1));
  }

  /** Counts so far, including what is still buffered. */
  get totals(): CorpusCounts {
    return { ...this.counts };
  }

  async write(item: CorpusItem): Promise<void> {
    if (item === DOCUMENT_END) {
      this.documentOpen = false;
      return;
    }
    const sentence = normalizeWhitespace(item);
    if (sentence.length < this.minSentenceChars) return;
    let text = '';
    if (!this.documentOpen) {
      if (this.counts.documents > 0) text += '\n';
      this.counts.documents += 1;
      this.documentOpen = true;
    }
    text += sentence + '\n';
    this.counts.sentences += 1;
    this.counts.words += countWords(sentence);
    this.counts.bytes += Buffer.byteLength(text);
    this.buffer += text;
    if (this.buffer.length >= FLUSH_BYTES) await this.flush();
  }

  async writeAll(items: AsyncIterable<CorpusItem> | Iterable<CorpusItem>): Promise<void> {
    for await (const item of items) await this.write(item);
  }

  /** Flushes, fsyncs and closes; returns the final counts. */
  async close(): Promise<CorpusCounts> {
    try {
      await this.flush();
      await this.handle.sync();
    } finally {
      await this.handle.close();
    }
    return this.totals;
  }

  /** Closes without flushing, for error paths. */
  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }

  private async flush(): Promise<void> {
    if (this.buffer === '') return;
    const chunk = this.buffer;
    this.buffer = '';
    await this.handle.write(chunk);
  }
}
