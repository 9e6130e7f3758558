import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../compiler/catalog';
import {
  REFERENCE_END,
  REFERENCE_START,
  loadReferenceSources,
  referenceSection,
  renderReference,
  withReference,
} from '../../compiler/reference';
import { schemaTable, tableBlocks } from '../../compiler/reference-schema';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));
const FIXTURE_CATALOG = fileURLToPath(new URL('../fixtures/pipelines/catalog', import.meta.url));

/** The markdown of one `### heading` section, up to the next `###`. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`### ${heading}\n`);
  expect(start, `no section "### ${heading}"`).toBeGreaterThanOrEqual(0);
  const end = markdown.indexOf('\n### ', start + 1);
  return markdown.slice(start, end < 0 ? undefined : end);
}

/** The table row whose first cell is `path`. */
function row(markdown: string, path: string): string | undefined {
  return markdown.split('\n').find((line) => line.startsWith(`| \`${path}\` |`));
}

describe('the README reference', () => {
  it('is current with schemas/', () => {
    const readme = readFileSync(README, 'utf8');
    const expected = referenceSection(withReference(readme, renderReference()));
    expect(referenceSection(readme), 'README.md reference section is stale: run npm run docs').toBe(expected);
  });

  it('documents corpus/download@v1: sources and their forms, the datasets, outputs and default options', () => {
    const md = section(renderReference(), '`corpus/download@v1`');
    expect(row(md, 'sources')).toBe('| `sources` | array of objects, items ≥ 1 | *required* | Where the text comes from; documents of all sources are concatenated in this order. |');
    expect(md).toContain('Each item of `sources` takes exactly one of these forms:');
    expect(md).toContain('**`sources[]` with `url`** — An http(s) URL.');
    expect(row(md, 'dataset')).toBe('| `dataset` | one of `sotu`, `brown`, `moby-dick` | *required* |  |');
    expect(row(md, 'url')).toBe('| `url` | string, pattern `^https?://` | *required* | http:// or https:// address |');
    expect(row(md, 'min_sentence_chars')).toContain('| integer, ≥ 0 | `1` |');
    expect(row(md, 'corpus')).toMatch(/^\| `corpus` \| `corpus` \| corpus\.txt in BERT's document format/);
    expect(md).toContain('**Default options:** timeout `30m` · heartbeat_timeout `60s` · retry `max_attempts: 5, initial_interval: 2s, backoff: 2, max_interval: 1m`');
  });

  it('documents the pipeline file, step keys and built-in options from pipeline.schema.json', () => {
    const md = renderReference();
    const pipeline = section(md, 'Pipeline file');
    expect(row(pipeline, 'apiVersion')).toBe('| `apiVersion` | `kiln/v1` (fixed) | *required* | always `kiln/v1` |');
    expect(row(pipeline, 'schedule.every')).toBe('| `schedule.every` | duration |  | an interval instead of cron, e.g. `6h` |');
    expect(pipeline).toContain('`schedule`: set exactly one of `cron` or `every`.');
    expect(pipeline).toContain('*duration*: an integer and a unit: 500ms, 30s, 5m, 12h, 2d.');
    expect(row(section(md, 'Step keys'), 'cache')).toBe('| `cache` | boolean |  | reuse a verified earlier result with the same inputs (false: always run); default true, except for step types with side effects (model/deploy@v1) |');
    const builtin = section(md, 'Step options defaults');
    expect(row(builtin, 'retry.max_attempts')).toBe('| `retry.max_attempts` | integer, ≥ 1 | `3` | attempts in all, the first included; 1 = no retries |');
    expect(row(builtin, 'heartbeat_timeout')).toBe('| `heartbeat_timeout` | duration | none | a running attempt that sends no heartbeat for this long is considered dead and retried (on any worker) |');
    // Types in catalog order (sorted), each linked to its section's GitHub anchor.
    expect(md).toContain('| [`corpus/download@v1`](#corpusdownloadv1) | `corpus` (corpus), `stats` (json) |');
    expect(renderReference()).toBe(md);
  });

  it('renders any step schema: nested objects, oneOf forms, artifact inputs with their producers', () => {
    const md = renderReference({ ...loadReferenceSources(), catalog: loadCatalog(FIXTURE_CATALOG) });
    expect(md.match(/^### .*$/gm)).toEqual([
      '### Pipeline file', '### Step keys', '### Step options defaults', '### Step types',
      '### `model/train@v1`', '### `text/source@v1`', '### `text/tokenize@v1`',
    ]);
    const train = section(md, '`model/train@v1`');
    expect(row(train, 'optimizer')).toBe('| `optimizer` | object | `{}` |  |');
    expect(row(train, 'optimizer.learning_rate')).toBe('| `optimizer.learning_rate` | number, > 0 | `0.001` |  |');
    expect(row(train, 'data')).toBe('| `data` | artifact (kind `corpus`) | *required* | Usually `${{ steps.X.outputs.corpus }}` of a `text/source@v1` step. |');
    expect(train).toContain('`init` takes exactly one of these forms:');
    expect(train).toContain('**`init` with `scratch`**');
    expect(row(train, 'from')).toContain('artifact (kind `model`) | *required* | Usually `${{ steps.X.outputs.model }}` of a `model/train@v1` step.');
    expect(row(train, 'width')).toBe('| `width` | integer, ≥ 8 | `128` |  |');
    expect(section(md, '`text/source@v1`')).toContain('**Default options:** none of its own');
  });
});

describe('schema tables', () => {
  const root = {
    type: 'object',
    required: ['mode'],
    properties: {
      mode: { type: 'string', pattern: '^(a|b)$', description: 'first line\nsecond | line' },
      tags: { type: 'array', items: { enum: ['x', 'y'] }, uniqueItems: true },
      size: { oneOf: [{ type: 'integer', minimum: 1 }, { const: 'auto' }], default: 'auto' },
      limits: { $ref: '#/$defs/limits' },
    },
    anyOf: [{ required: ['tags'] }, { required: ['size', 'limits'] }],
    $defs: { limits: { type: 'object', allOf: [{ properties: { low: { type: 'number' } } }, { properties: { high: { type: 'number' } } }] } },
  };

  it('escapes pipes and newlines, renders unions, refs, allOf and key requirements', () => {
    expect(tableBlocks(schemaTable(root, { root }))).toEqual([
      [
        '| key | type | default | description |',
        '|---|---|---|---|',
        '| `mode` | string, pattern `^(a\\|b)$` | *required* | first line second \\| line |',
        '| `tags` | array of (one of `x`, `y`), no duplicates |  |  |',
        '| `size` | integer, ≥ 1 or `auto` (fixed) | `auto` |  |',
        '| `limits` | object |  |  |',
        '| `limits.low` | number |  |  |',
        '| `limits.high` | number |  |  |',
      ].join('\n'),
      'Set at least one of `tags` or `size` and `limits`.',
    ]);
  });
});

describe('the README markers', () => {
  const readme = `# x\n\n${REFERENCE_START}\nold\n${REFERENCE_END}\n\n## after\n`;

  it('replaces only what lies between them, idempotently', () => {
    const next = withReference(readme, '### New');
    expect(next).toBe(
      `# x\n\n${REFERENCE_START}\n<!-- generated from schemas/ by \`npm run docs\`: edit the schemas, not this section -->\n\n### New\n\n${REFERENCE_END}\n\n## after\n`,
    );
    expect(withReference(next, '### New')).toBe(next);
  });

  it('says where the reference goes when the markers are missing', () => {
    expect(() => referenceSection('# x\n')).toThrow(`README.md must contain ${REFERENCE_START} and, after it, ${REFERENCE_END}`);
  });
});
