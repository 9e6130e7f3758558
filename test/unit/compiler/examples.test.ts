// Every example pipeline in pipelines/ must compile against the repo's step catalog.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { validatePipelineFile } from '../../../compiler/compile';
import { formatDiagnostics } from '../../../compiler/errors';

const dir = fileURLToPath(new URL('../../../pipelines/', import.meta.url));

describe('example pipelines', () => {
  it('all compile (every diagnostic of every file is listed on failure)', async () => {
    const examples = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
    const problems: string[] = [];
    for (const name of examples) problems.push(formatDiagnostics(await validatePipelineFile(`${dir}${name}`)));
    expect(problems.filter(Boolean).join('\n')).toBe('');
  });
});
