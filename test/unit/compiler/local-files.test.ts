// `validate` and `plan` (checkFiles) report local input files that do not exist, where the activity would look.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
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
        hint: looked for DIR/missing.txt; relative paths are relative to the pipeline file's directory, ~/ to your home
      DIR/p.yaml:13:17 steps.corpus.with.sources[2].file: no such file: sub/missing.txt
        hint: looked for DIR/sub/missing.txt; relative paths are relative to the pipeline file's directory, ~/ to your home"
    `);
  });
});

describe('local input directories', () => {
  it('must be directories (model/import@v1 path), and ~/ is the home directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-dirs-'));
    writeFileSync(join(dir, 'a-file'), 'not a model\n');
    const pipeline = (path: string) => `apiVersion: kiln/v1
kind: Pipeline
name: dirs
steps:
  import:
    uses: model/import@v1
    with:
      path: ${JSON.stringify(path)}
`;
    const file = join(dir, 'p.yaml');
    writeFileSync(file, pipeline('a-file'));
    const text = formatDiagnostics(await validatePipelineFile(file, { checkFiles: true })).replaceAll(dir, 'DIR');
    expect(text).toContain('DIR/p.yaml:8:13 steps.import.with.path: no such directory: a-file');
    writeFileSync(file, pipeline('.'));
    expect(await validatePipelineFile(file, { checkFiles: true })).toEqual([]);
    writeFileSync(file, pipeline('~/'));
    expect(await validatePipelineFile(file, { checkFiles: true })).toEqual([]);
    writeFileSync(file, pipeline('~/surely-not-a-directory-kiln-made'));
    expect(formatDiagnostics(await validatePipelineFile(file, { checkFiles: true }))).toContain(`looked for ${join(homedir(), 'surely-not-a-directory-kiln-made')};`);
  });
});
