import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../compiler/catalog';
import { testCatalog } from './helpers';

const temp = mkdtempSync(join(tmpdir(), 'kiln-catalog-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function writeSchemas(name: string, files: Record<string, object>): string {
  const dir = join(temp, name);
  mkdirSync(dir);
  for (const [file, schema] of Object.entries(files)) writeFileSync(join(dir, file), JSON.stringify(schema));
  return dir;
}

describe('the step catalog', () => {
  it('loads the repo catalog, which has corpus/download@v1', () => {
    const catalog = loadCatalog();
    const corpus = catalog.get('corpus/download@v1');
    expect(catalog.types).toContain('corpus/download@v1');
    expect(corpus?.outputs.corpus?.kind).toBe('corpus');
    expect(corpus?.outputs.stats?.kind).toBe('json');
    expect(corpus?.validate({ sources: [{ dataset: 'sotu' }] })).toBe(true);
  });

  it('loads a directory once per process and exposes types, outputs, defaults and validators', () => {
    const catalog = testCatalog();
    expect(testCatalog()).toBe(catalog);
    expect(catalog.types).toEqual(['model/train@v1', 'text/source@v1', 'text/tokenize@v1']);
    const train = catalog.get('model/train@v1')!;
    expect(train.implementation).toBe(1);
    expect(Object.keys(train.outputs)).toEqual(['model', 'metrics']);
    expect(train.defaults).toEqual({ timeout: '2h', heartbeat_timeout: '30s', retry: { max_attempts: 10, initial_interval: '1s' } });
    expect(train.validate).toBe(train.validate);
    // An id-less schema still resolves ../artifact.schema.json.
    const tokenize = catalog.get('text/tokenize@v1')!;
    expect(tokenize.validate({ corpus: 'not an artifact' })).toBe(false);
    expect(catalog.get('text/nope@v1')).toBeUndefined();
  });

  it('applies defaults inside the oneOf branch that matched', () => {
    const train = testCatalog().get('model/train@v1')!;
    const withScratch: Record<string, unknown> = { init: { scratch: true } };
    train.applyDefaults(withScratch);
    expect(withScratch).toEqual({ init: { scratch: true, width: 128 }, seed: 0, optimizer: { learning_rate: 0.001, warmup_steps: 0 } });
    const withModel: Record<string, unknown> = { init: { from: { uri: `kiln://sha256/${'a'.repeat(64)}`, kind: 'model', digest: `sha256:${'a'.repeat(64)}`, bytes: 1, meta: {} } } };
    train.applyDefaults(withModel);
    expect(withModel.init).not.toHaveProperty('width');
  });

  it('refuses malformed step schemas, naming the file', () => {
    const dir = writeSchemas('bad', {
      'a.schema.json': { 'x-kiln': { type: 'A/b', implementation: 0, outputs: { 'no good': {} }, defaults: { timeout: '5 min' } }, type: 'object' },
      'b.schema.json': { 'x-kiln': { type: 'x/y@v1', implementation: 1, outputs: {} }, type: 'object', minimun: 3 },
      'c.schema.json': { type: 'object' },
      'd.schema.json': {
        'x-kiln': { type: 'x/d@v1', implementation: 1, rules: [{ rule: 'divides', divisor: 'heads', of: 'width' }, { rule: 'smaller', a: 'heads' }] },
        type: 'object',
        properties: { heads: { type: 'integer' } },
      },
    });
    const message = (() => {
      try {
        loadCatalog(dir);
        return 'no error';
      } catch (e) {
        return (e as Error).message.replaceAll(dir, '<dir>');
      }
    })();
    expect(message).toMatchInlineSnapshot(`
      "invalid step schemas:
      <dir>/a.schema.json: x-kiln.type must look like family/name@v1 (got "A/b"); x-kiln.implementation must be an integer >= 1; x-kiln.outputs: invalid output name "no good"; x-kiln.outputs.no good.kind must be a non-empty string; x-kiln.defaults.timeout: invalid duration "5 min": use an integer and a unit, like 500ms, 30s, 5m, 12h or 2d
      <dir>/b.schema.json: strict mode: unknown keyword: "minimun"
      <dir>/c.schema.json: missing the "x-kiln" block { type, implementation, outputs, defaults, rules }
      <dir>/d.schema.json: x-kiln.rules[0].of must be a key of the schema (got "width")"
    `);
  });

  it('refuses two schemas declaring the same type', () => {
    const meta = { 'x-kiln': { type: 'x/y@v1', implementation: 1, outputs: {} }, type: 'object' };
    const dir = writeSchemas('dup', { 'a.schema.json': meta, 'b.schema.json': meta });
    expect(() => loadCatalog(dir)).toThrow(/b\.schema\.json: x-kiln\.type "x\/y@v1" is also declared by .*a\.schema\.json/);
  });
});
