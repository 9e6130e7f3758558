import { datasetItems } from './datasets/index';
import { DocumentWriter } from './document-writer';
import { CorpusInputError } from './errors';
import { fetchUrl, openFile, type LocalInput } from './local-input';
import { countsBetween } from './stats';
import { readLines } from './text-input';
import { documentsItems, textItems } from './text-format';
import {
  DOCUMENT_END,
  type CorpusItem,
  type CorpusProgress,
  type CorpusSource,
  type CorpusStats,
  type SourceStats,
} from './types';

export interface BuildCorpusOptions {
  sources: CorpusSource[];
  /** corpus.txt to write (created or truncated). */
  outFile: string;
  /** Relative `file:` sources resolve against this (the pipeline file's directory). */
  baseDir: string;
  /** Partial downloads live here between attempts. */
  workDir: string;
  minSentenceChars?: number;
  onProgress?: (progress: CorpusProgress) => void;
  signal?: AbortSignal;
}

/** How a source is named in stats and messages. */
export function describeSource(source: CorpusSource): string {
  if ('url' in source) return source.url;
  if ('file' in source) return `file:${source.file}`;
  return `dataset:${source.dataset}`;
}

/**
 * Writes every source, in order, into one corpus in BERT's document format and returns its counts. Sources are
 * streamed a sentence at a time. Downloads are removed once the corpus is written or the input proves wrong;
 * after any other failure they stay, so that the retry resumes them.
 */
export async function buildCorpus(options: BuildCorpusOptions): Promise<CorpusStats> {
  const writer = await DocumentWriter.create(options.outFile, { minSentenceChars: options.minSentenceChars });
  const inputs: LocalInput[] = [];
  const sources: SourceStats[] = [];
  try {
    for (const source of options.sources) {
      options.signal?.throwIfAborted();
      const name = describeSource(source);
      const input = await localInput(source, name, options);
      if (input) inputs.push(input);
      const before = writer.totals;
      await writeSource(writer, readSource(source, name, input), name, options);
      await writer.write(DOCUMENT_END); // documents never run on from one source into the next
      const counts = countsBetween(before, writer.totals);
      if (counts.sentences === 0) {
        throw new CorpusInputError(
          `corpus is empty: ${name} produced no sentences`,
          'check that the source holds text (format: text splits prose, format: documents takes one sentence per line)',
        );
      }
      sources.push({ source: name, ...counts, sha256: input?.sha256 ?? null, inputBytes: input?.bytes ?? null });
    }
  } catch (error) {
    await writer.abort();
    // No retry follows a wrong input, so nothing is kept for one.
    if (error instanceof CorpusInputError) for (const input of inputs) await input.cleanup();
    throw error;
  }
  const totals = await writer.close();
  for (const input of inputs) await input.cleanup();
  return { ...totals, sources };
}

async function localInput(source: CorpusSource, name: string, options: BuildCorpusOptions): Promise<LocalInput | undefined> {
  if ('url' in source) {
    const onProgress = (bytes: number, total: number | null): void =>
      options.onProgress?.({ phase: 'download', source: name, bytes, total });
    return fetchUrl(source.url, source.sha256, { workDir: options.workDir, onProgress, signal: options.signal });
  }
  if ('file' in source) return openFile(source.file, source.sha256, options.baseDir);
  return undefined;
}

function readSource(source: CorpusSource, name: string, input: LocalInput | undefined): AsyncIterable<CorpusItem> {
  if ('dataset' in source) return datasetItems(source.dataset, source.limit);
  if (!input) throw new Error(`${name}: no local input`); // unreachable: url and file sources always have one
  const lines = readLines(input.path);
  return source.format === 'documents' ? documentsItems(lines) : textItems(lines);
}

async function writeSource(
  writer: DocumentWriter,
  items: AsyncIterable<CorpusItem>,
  name: string,
  options: BuildCorpusOptions,
): Promise<void> {
  const start = writer.totals;
  try {
    for await (const item of items) {
      await writer.write(item);
      if (item === DOCUMENT_END) {
        options.signal?.throwIfAborted();
        const done = countsBetween(start, writer.totals);
        options.onProgress?.({ phase: 'write', source: name, documents: done.documents, sentences: done.sentences });
      }
    }
  } catch (error) {
    // zlib's codes: the bytes claim to be gzip but are not (or are cut short). Retrying the same bytes cannot help.
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('Z_')) {
      throw new CorpusInputError(
        `${name}: not valid gzip data (${(error as Error).message})`,
        'the bytes start like gzip but do not decompress: check that the file is complete',
      );
    }
    throw error;
  }
}
