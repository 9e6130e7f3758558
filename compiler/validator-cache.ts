// Compiled validators kept on disk. ajv spends ~15 ms compiling a step schema and ~80 ms the pipeline schema,
// more than the rest of `kiln validate`; so the standalone code of every schema ajv compiles is saved under
// ~/.cache/kiln/validators/<digest>.cjs, keyed by the schema text, and later processes load it instead.
// The loaded code accepts exactly what ajv accepts (and fills the same defaults). Data it rejects is validated
// again by a freshly compiled ajv function, whose errors point into the schema objects the diagnostics walk.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import type { AnySchemaObject, ValidateFunction } from 'ajv';
import type { Ajv2020 } from 'ajv/dist/2020';
import standaloneCode from 'ajv/dist/standalone';

import { kilnCacheDir } from '../store/paths';

/** Bumped when what this file writes changes, or createAjv's options or keywords do. */
const FORMAT = 1;
const requireForCode = createRequire(import.meta.url);
const ajvVersion = (requireForCode('ajv/package.json') as { version: string }).version;

/**
 * The validator of `ref` (a schema id, optionally with `#pointer`) in `ajv`: loaded from the cache when the
 * schemas are unchanged, else compiled (throwing for a malformed schema, as ajv does) and saved. With
 * `errors: false` the caller wants only the answer (a oneOf branch test), and rejected data is not re-validated.
 */
export function cachedValidator(ajv: Ajv2020, ref: string, schemas: AnySchemaObject[], options: { errors?: boolean } = {}): ValidateFunction {
  const file = path.join(kilnCacheDir(), 'validators', `${digest(ref, schemas)}.cjs`);
  let live: ValidateFunction | undefined;
  const compile = (): ValidateFunction => {
    live ??= ajv.getSchema(ref);
    if (!live) throw new Error(`ajv has no schema ${ref}`);
    return live;
  };
  const saved = load(file);
  if (!saved) {
    const validate = compile();
    save(file, ajv, validate);
    return validate;
  }
  if (options.errors === false) return saved;
  const validate = ((data: unknown) => {
    if (saved(data)) {
      validate.errors = null;
      return true;
    }
    const fresh = compile();
    const valid = fresh(data);
    validate.errors = fresh.errors;
    return valid;
  }) as ValidateFunction;
  validate.errors = null;
  return validate;
}

function digest(ref: string, schemas: AnySchemaObject[]): string {
  const hash = createHash('sha256').update(`${FORMAT}\0${ajvVersion}\0${ref}`);
  for (const schema of schemas) hash.update('\0').update(JSON.stringify(schema));
  return hash.digest('hex').slice(0, 32);
}

function load(file: string): ValidateFunction | undefined {
  let code: string;
  try {
    code = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const module = { exports: undefined as unknown };
  try {
    // ajv's own standalone output: a CommonJS module whose require()s name ajv's runtime helpers.
    new Function('require', 'module', 'exports', code)(requireForCode, module, {});
  } catch {
    return undefined;
  }
  return typeof module.exports === 'function' ? (module.exports as ValidateFunction) : undefined;
}

/** Best effort: a read-only or full cache directory only means compiling again next time. */
function save(file: string, ajv: Ajv2020, validate: ValidateFunction): void {
  try {
    const code = standaloneCode(ajv, validate);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, code);
    fs.renameSync(tmp, file);
  } catch {
    // Not cached: the next process compiles again.
  }
}
