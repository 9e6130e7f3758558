// `npm run gen:types`: rewrites compiler/step-inputs.generated.ts, the types of every step's `with`, from schemas/.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderStepInputTypes } from './step-inputs-types';

const file = fileURLToPath(new URL('./step-inputs.generated.ts', import.meta.url));
const old = (() => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
})();
const next = renderStepInputTypes();
if (next === old) {
  console.log('compiler/step-inputs.generated.ts: already current');
} else {
  writeFileSync(file, next);
  console.log('compiler/step-inputs.generated.ts: rewritten from schemas/');
}
