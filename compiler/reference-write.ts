// `npm run docs`: rewrites README.md's generated YAML reference (between its reference markers) from schemas/.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderReference, withReference } from './reference';

const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));
const readme = readFileSync(readmePath, 'utf8');
const next = withReference(readme, renderReference());
if (next === readme) {
  console.log('README.md: the reference is already current');
} else {
  writeFileSync(readmePath, next);
  console.log('README.md: reference rewritten from schemas/');
}
