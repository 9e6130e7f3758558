import { describe, expect, it } from 'vitest';
import { validatePipelineFile } from '../../../compiler/compile';
import { formatDiagnostics } from '../../../compiler/errors';
import { loadYaml } from '../../../compiler/load';
import { FIXTURES, HEAD, errorsOf } from './helpers';

describe('loadYaml', () => {
  it('maps paths to the line and column of values and keys', () => {
    const y = loadYaml('a:\n  b: [1, {c: 2}]\n  "d e": x\nf:\n', 'x.yaml');
    expect(y.value).toEqual({ a: { b: [1, { c: 2 }], 'd e': 'x' }, f: null });
    expect(y.locate(['a', 'b', 1, 'c'])).toEqual({ line: 2, col: 14 });
    expect(y.locate(['a', 'b', 1, 'c'], 'key')).toEqual({ line: 2, col: 11 });
    expect(y.locate(['a', 'd e'])).toEqual({ line: 3, col: 10 });
    // `f:` has an empty (null) value, found just after the colon. Missing paths fall back to the nearest ancestor's key.
    expect(y.locate(['f'])).toEqual({ line: 4, col: 3 });
    expect(y.locate(['f'], 'key')).toEqual({ line: 4, col: 1 });
    expect(y.locate(['a', 'b', 5])).toEqual({ line: 2, col: 3 });
    expect(y.diagnostic(['a', 'b', 1, 'c'], 'bad')).toEqual({ file: 'x.yaml', line: 2, col: 14, path: 'a.b[1].c', message: 'bad' });
  });

  it('resolves aliases and keeps __proto__ a plain key', () => {
    const y = loadYaml('x: &v {n: 1}\ny: *v\n__proto__: {polluted: true}\n', 'x.yaml');
    expect(y.diagnostics).toEqual([]);
    expect(y.value).toEqual({ x: { n: 1 }, y: { n: 1 }, ['__proto__']: { polluted: true } });
    expect(Object.getPrototypeOf(y.value)).toBe(Object.prototype);
  });

  it('rejects values JSON cannot hold and keys that are not strings', () => {
    const y = loadYaml('a: .inf\nb: !!binary aGk=\n? [k]\n: 1\n', 'x.yaml');
    expect(formatDiagnostics(y.diagnostics)).toMatchInlineSnapshot(`
      "x.yaml:1:4 a: Infinity cannot be used here: pipelines hold plain JSON values
      x.yaml:2:13 b: a !!binary value cannot be used here: pipelines hold plain JSON values
      x.yaml:3:3: keys must be plain strings"
    `);
  });
});

describe('YAML problems in pipelines', () => {
  it('reports a syntax error at its position', () => {
    expect(errorsOf(`${HEAD}steps:\n  a:\n    uses: text/source@v1\n   with: {name: alpha\n`)).toMatchInlineSnapshot(`
      "p.yaml:7:1: YAML syntax error: All mapping items must start at the same column
      p.yaml:8:1: YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }"
    `);
  });

  it('reports duplicate step ids and duplicate keys', () => {
    const yaml = `${HEAD}steps:
  a:
    uses: text/source@v1
    with: { name: alpha, name: beta }
  a:
    uses: text/source@v1
`;
    expect(errorsOf(yaml)).toMatchInlineSnapshot(`
      "p.yaml:7:26 steps.a.with.name: duplicate key "name" (first defined at line 7)
        hint: keys must be unique: rename or remove one
      p.yaml:8:3 steps.a: duplicate step id "a" (first defined at line 5)
        hint: step ids must be unique: rename or remove one"
    `);
  });

  it('reports an empty file and a file that is not a mapping', () => {
    expect(errorsOf('# nothing yet\n')).toMatchInlineSnapshot(`
      "p.yaml:1:1: the file is empty
        hint: a pipeline starts with "apiVersion: kiln/v1" and "kind: Pipeline""
    `);
    expect(errorsOf('- a\n- b\n')).toMatchInlineSnapshot(`"p.yaml:1:1: must be an object (got an array)"`);
  });

  it('reports an unreadable file as a diagnostic', async () => {
    const diagnostics = await validatePipelineFile(`${FIXTURES}no-such-file.yaml`);
    expect(diagnostics).toHaveLength(1);
    expect(formatDiagnostics(diagnostics).replaceAll(FIXTURES, '<fixtures>/')).toMatchInlineSnapshot(`"<fixtures>/no-such-file.yaml:0:0: cannot read: ENOENT: no such file or directory, open '<fixtures>/no-such-file.yaml'"`);
  });
});
