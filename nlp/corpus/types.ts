// The shapes shared by the corpus readers, the writer and the step.
import type { CorpusDownloadInputs } from '../../compiler/step-inputs.generated';

/** Ends the current document in a stream of sentences. Repeated or leading ends are harmless. */
export const DOCUMENT_END: unique symbol = Symbol('document end');

/** What readers yield: a sentence, or the end of a document. Streams keep memory flat for any corpus size. */
export type CorpusItem = string | typeof DOCUMENT_END;

/** One of corpus/download's sources, as its schema defines it. */
export type CorpusSource = CorpusDownloadInputs['sources'][number];
export type DatasetName = Extract<CorpusSource, { dataset: string }>['dataset'];

/** Counts of what was written; `bytes` is the size of corpus.txt (or of a source's share of it). */
export type CorpusCounts = { documents: number; sentences: number; words: number; bytes: number };

/** Per-source counts; `sha256` and `inputBytes` describe the raw (possibly gzipped) input of url/file sources. */
export type SourceStats = CorpusCounts & { source: string; sha256: string | null; inputBytes: number | null };

export type CorpusStats = CorpusCounts & { sources: SourceStats[] };

/** Progress for heartbeats: bytes while downloading, documents while writing. */
export type CorpusProgress =
  | { phase: 'download'; source: string; bytes: number; total: number | null }
  | { phase: 'write'; source: string; documents: number; sentences: number };
