import { describe, expect, it } from 'vitest';
import { formatDiagnostics } from '../../../compiler/errors';
import { applyParamOverrides, parseSetArgs } from '../../../compiler/params';

const defaults = { steps: 300, lr: 0.001, name: 'run', fast: false, layers: [2, 4], model: { hidden: 128 }, note: null };

function errors(set: Record<string, string>): string {
  return formatDiagnostics(applyParamOverrides(defaults, set).diagnostics);
}

describe('--set overrides', () => {
  it('converts each value to the type of its default', () => {
    const { params, diagnostics } = applyParamOverrides(defaults, {
      steps: '500', lr: '1e-4', name: '42', fast: 'true', layers: '[1]', model: '{"hidden": 64}', note: 'hello',
    });
    expect(diagnostics).toEqual([]);
    expect(params).toEqual({ steps: 500, lr: 0.0001, name: '42', fast: true, layers: [1], model: { hidden: 64 }, note: 'hello' });
    // The defaults themselves are left alone.
    expect(defaults.layers).toEqual([2, 4]);
  });

  it('rejects values that do not fit the default, and unknown names', () => {
    expect(errors({ steps: '2.5', lr: 'fast', fast: 'yes', layers: '{"a": 1}', model: 'hidden=3', stpes: '1' })).toMatchInlineSnapshot(`
      "--set steps: must be an integer, like the default 300 (got "2.5")
      --set lr: must be a number, like the default 0.001 (got "fast")
      --set fast: must be true or false (got "yes")
      --set layers: must be a JSON array, like the default [2,4] (got "{\\"a\\": 1}")
      --set model: must be a JSON object, like the default {"hidden":128} (got "hidden=3")
      --set stpes: unknown param "stpes" (did you mean "steps"?)
        hint: params of this pipeline: steps, name, layers, model, note, lr, fast"
    `);
    expect(errors({ steps: '' })).toMatchInlineSnapshot(`"--set steps: must be an integer, like the default 300 (got "")"`);
    expect(formatDiagnostics(applyParamOverrides({}, { seed: '1' }).diagnostics)).toMatchInlineSnapshot(`
      "--set seed: unknown param "seed"
        hint: this pipeline declares no params"
    `);
  });

  it('parses name=value arguments', () => {
    const { set, diagnostics } = parseSetArgs(['a=1', 'b=x=y', 'oops', '=3']);
    expect(set).toEqual({ a: '1', b: 'x=y' });
    expect(formatDiagnostics(diagnostics)).toMatchInlineSnapshot(`
      "--set oops: expected name=value
        hint: for example: --set seed=7
      --set =3: expected name=value
        hint: for example: --set seed=7"
    `);
  });
});
