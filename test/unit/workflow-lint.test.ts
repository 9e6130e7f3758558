import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

import { repoRoot } from '../helpers/kiln-cli';

// The determinism fence: workflow code may not reach the outside world, and the lint rule is what enforces it.
async function lint(code: string, file = 'workflows/example.ts'): Promise<string[]> {
  const eslint = new ESLint({ cwd: repoRoot });
  const [result] = await eslint.lintText(code, { filePath: `${repoRoot}/${file}` });
  return result!.messages.map((m) => m.message);
}

describe('workflows/ import rule', () => {
  it.each([
    ["import fs from 'node:fs';", 'Node built-ins'],
    ["import { readFile } from 'fs';", 'Node built-ins'],
    ["import * as tf from '@tensorflow/tfjs-core';", 'TF.js'],
    ["import { corpusDownload } from '../activities/corpus-download';", 'only types'],
    ["import { Context } from '@temporalio/activity';", '@temporalio/workflow'],
    ["import YAML from 'yaml';", 'compiled Plan'],
  ])('rejects %s', async (code, expected) => {
    const messages = await lint(`${code}\nexport const x = 1;\n`);
    expect(messages.join('\n')).toContain(expected);
  });

  it('allows type imports from runtime code and the workflow SDK', async () => {
    const code = [
      "import type { StepActivity } from '../activities/deps';",
      "import { proxyActivities } from '@temporalio/workflow';",
      "import { NON_RETRYABLE_TYPES } from '../contract/failure-types';",
      'export const x: StepActivity | undefined = undefined;',
      'export const y = [proxyActivities, NON_RETRYABLE_TYPES];',
    ].join('\n');
    expect(await lint(code)).toEqual([]);
  });

  it('does not restrict code outside workflows/', async () => {
    expect(await lint("import fs from 'node:fs';\nexport const x = fs;\n", 'activities/example.ts')).toEqual([]);
  });
});
