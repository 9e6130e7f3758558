import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createAjv, loadArtifactSchema } from '../../../compiler/ajv';
import { cachedValidator } from '../../../compiler/validator-cache';

const cacheHome = mkdtempSync(join(tmpdir(), 'kiln-validators-'));
const saved = process.env.XDG_CACHE_HOME;
beforeAll(() => void (process.env.XDG_CACHE_HOME = cacheHome));
afterAll(() => {
  process.env.XDG_CACHE_HOME = saved;
  rmSync(cacheHome, { recursive: true, force: true });
});

const schema = {
  $id: 'https://kiln.dev/schemas/test/cache.schema.json',
  type: 'object',
  additionalProperties: false,
  required: ['corpus'],
  properties: {
    corpus: { $ref: '../artifact.schema.json', 'x-kiln-kind': 'corpus' },
    size: { type: 'integer', minimum: 1, default: 8 },
  },
};
const artifact = { uri: `kiln://sha256/${'a'.repeat(64)}`, digest: `sha256:${'a'.repeat(64)}`, kind: 'corpus', bytes: 10, meta: {} };

function fresh() {
  const ajv = createAjv();
  ajv.addSchema(structuredClone(schema));
  return { ajv, validate: cachedValidator(ajv, schema.$id, [schema, loadArtifactSchema()]) };
}

describe('cachedValidator', () => {
  it('compiles once, then later instances load the saved code, accepting and defaulting exactly as ajv does', () => {
    const first = fresh();
    const files = readdirSync(join(cacheHome, 'kiln', 'validators'));
    expect(files).toHaveLength(1);
    const second = fresh();
    // The loaded validator is not ajv's compiled function.
    expect(second.validate).not.toBe(second.ajv.getSchema(schema.$id));
    for (const { validate } of [first, second]) {
      const data: Record<string, unknown> = { corpus: { ...artifact } };
      expect(validate(data)).toBe(true);
      expect(data.size).toBe(8);
      expect(validate.errors).toBeNull();
    }
  });

  it('answers invalid data with the errors of a freshly compiled ajv function, schema objects included', () => {
    const { ajv, validate } = fresh();
    const data = { corpus: { ...artifact, kind: 'tokenizer' }, size: 0, extra: 1 };
    expect(validate(data)).toBe(false);
    const keywords = validate.errors!.map((e) => e.keyword).sort();
    expect(keywords).toEqual(['additionalProperties', 'minimum', 'x-kiln-kind']);
    const kind = validate.errors!.find((e) => e.keyword === 'x-kiln-kind')!;
    expect(kind.message).toBe('must be a "corpus" artifact');
    expect(kind.params).toEqual({ kind: 'corpus' });
    // The diagnostics look schema objects up by identity: they must be ajv's own.
    expect(validate.errors!.find((e) => e.keyword === 'minimum')!.parentSchema).toBe((ajv.getSchema(schema.$id)!.schema as { properties: { size: object } }).properties.size);
  });

  it('a changed schema gets its own entry', () => {
    const ajv = createAjv();
    const changed = { ...schema, $id: 'https://kiln.dev/schemas/test/cache2.schema.json', properties: { ...schema.properties, size: { type: 'integer', default: 3 } } };
    ajv.addSchema(changed);
    const validate = cachedValidator(ajv, changed.$id, [changed, loadArtifactSchema()]);
    const data: Record<string, unknown> = { corpus: { ...artifact } };
    expect(validate(data)).toBe(true);
    expect(data.size).toBe(3);
    expect(readdirSync(join(cacheHome, 'kiln', 'validators'))).toHaveLength(2);
  });
});
