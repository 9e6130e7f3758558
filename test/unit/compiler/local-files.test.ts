// `validate` and `plan` (checkFiles) report local input files that do not exist, where the activity would look.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validatePipelineFile } from '../../../compiler/compile';
import { formatDiagnostics } from '../../../compiler/errors';

const PIPELINE = `apiVersion: kiln/v1
kind: Pipeline
name: files
params:
  other: sub/missing.txt
steps:
  corpus:
    uses: corpus/download@v1
    with:
      sources:
        - { file: here.txt }
        - { file: missing.txt }
        - file: "\${{ params.other }}"
`;

describe('local input files', () => {
  it('are reported at the value naming them, resolved against the pipeline file, only when asked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-files-'));
    writeFileSync(join(dir, 'here.txt'), 'text\n');
    const file = join(dir, 'p.yaml');
    writeFileSync(file, PIPELINE);
    expect(await validatePipelineFile(file)).toEqual([]);
    const text = formatDiagnostics(await validatePipelineFile(file, { checkFiles: true })).replaceAll(dir, 'DIR');
    expect(text).toMatchInlineSnapshot(`
      "DIR/p.yaml:12:19 steps.corpus.with.sources[1].file: no such file: missing.txt
        hint: looked for DIR/missing.txt; relative paths are relative to the pipeline file's directory
      DIR/p.yaml:13:17 steps.corpus.with.sources[2].file: no such file: sub/missing.txt
        hint: looked for DIR/sub/missing.txt; relative paths are relative to the pipeline file's directory"
    `);
  });
});
