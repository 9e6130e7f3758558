// The training thread must start under plain `node --import tsx` (how kiln's worker runs) as well as under vitest
// (the activity tests): worker threads do not inherit the parent's TypeScript loader.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { expect, it } from 'vitest';

it('trains in a worker thread under node --import tsx, and reports typed failures', async () => {
  const script = fileURLToPath(new URL('./thread-script.ts', import.meta.url));
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], { cwd: root, timeout: 60_000 });
  const result = JSON.parse(stdout.trim().split('\n').at(-1)!);
  expect(result).toMatchObject({ status: 'completed', steps: [1, 2, 3], backend: 'wasm' });
  expect(result.model).toEqual(['config.json', 'model-card.json', 'tokenizer.json', 'vocab.txt', 'weights.bin']);
  expect(result.failure).toMatchObject({ kind: 'InvalidInput', name: 'PretrainingDataError' });
  expect(result.failure.message).toMatch(/missing\/manifest\.json: cannot read the manifest/);
});
