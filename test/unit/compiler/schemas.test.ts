import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import { Ajv2020 } from 'ajv/dist/2020';
import { describe, expect, it } from 'vitest';

import { SCHEMAS_DIR, readSchemaFile } from '../../../compiler/ajv';
import { STEPS_DIR } from '../../../compiler/catalog';

// kiln's ajv skips meta-schema validation at start (validateSchema: false, for a fast CLI): this is where every
// schema file is still checked against draft 2020-12.
const files = [
  ...readdirSync(SCHEMAS_DIR).filter((f) => f.endsWith('.schema.json')).map((f) => join(SCHEMAS_DIR, f)),
  ...readdirSync(STEPS_DIR).filter((f) => f.endsWith('.schema.json')).map((f) => join(STEPS_DIR, f)),
];

describe('schemas/', () => {
  const meta = new Ajv2020({ strict: false });
  it.each(files.map((f) => [f.slice(SCHEMAS_DIR.length)]))('%s is a valid draft 2020-12 schema', (name) => {
    const valid = meta.validateSchema(readSchemaFile(join(SCHEMAS_DIR, name)));
    expect(meta.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('finds the pipeline schema and every step schema', () => {
    expect(files.length).toBeGreaterThanOrEqual(12);
  });
});
