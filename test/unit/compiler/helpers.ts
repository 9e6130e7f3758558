// Shared by the compiler tests: the throwaway step catalog and a one-call "compile and format errors".
import { fileURLToPath } from 'node:url';
import { loadCatalog, type Catalog } from '../../../compiler/catalog';
import { checkPipelineSource, type CompileOptions } from '../../../compiler/compile';
import { formatDiagnostics } from '../../../compiler/errors';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/pipelines/', import.meta.url));

/** text/source@v1, text/tokenize@v1, model/train@v1: see test/fixtures/pipelines/catalog. */
export function testCatalog(): Catalog {
  return loadCatalog(`${FIXTURES}catalog`);
}

/** The first three lines of every inline test pipeline. */
export const HEAD = 'apiVersion: kiln/v1\nkind: Pipeline\nname: t\n';

/** Compiles `yaml` (named p.yaml) against the test catalog and returns the formatted diagnostics. */
export function errorsOf(yaml: string, options: CompileOptions = {}): string {
  const result = checkPipelineSource(yaml, 'p.yaml', { catalog: testCatalog(), ...options });
  if (result.plan) throw new Error('expected errors, but the pipeline compiled');
  return formatDiagnostics(result.diagnostics);
}
