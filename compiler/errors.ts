// Compile diagnostics: every problem found in a pipeline, with where it is and how to fix it.

export interface Diagnostic {
  /** The pipeline file as the user named it, or `--set` for command-line overrides. */
  file: string;
  /** 1-based; 0 when the problem has no position in the file (unreadable file, `--set`). */
  line: number;
  col: number;
  /** Dotted path into the document, e.g. `steps.pretrain.with.batch_size`; empty for the whole file. */
  path: string;
  message: string;
  hint?: string;
}

export const SET_FILE = '--set';

/** `FILE:LINE:COL path: message`, then an indented hint line when there is one. */
export function formatDiagnostic(d: Diagnostic): string {
  let where: string;
  if (d.file === SET_FILE) where = d.path ? `${SET_FILE} ${d.path}` : SET_FILE;
  else where = d.path ? `${d.file}:${d.line}:${d.col} ${d.path}` : `${d.file}:${d.line}:${d.col}`;
  const head = `${where}: ${d.message}`;
  return d.hint ? `${head}\n  hint: ${d.hint}` : head;
}

export function formatDiagnostics(diagnostics: readonly Diagnostic[]): string {
  return diagnostics.map(formatDiagnostic).join('\n');
}

/** Orders diagnostics by file position (`--set` and whole-file problems first); stable for ties. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) => a.line - b.line || a.col - b.col);
}

/** Thrown by the compile functions; holds every problem found, not just the first. */
export class CompileError extends Error {
  readonly diagnostics: Diagnostic[];

  constructor(diagnostics: Diagnostic[]) {
    const n = diagnostics.length;
    super(`${n} error${n === 1 ? '' : 's'} in pipeline:\n${formatDiagnostics(diagnostics)}`);
    this.name = 'CompileError';
    this.diagnostics = diagnostics;
  }
}
