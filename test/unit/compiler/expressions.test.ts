import { describe, expect, it } from 'vitest';
import { parseExpressions } from '../../../compiler/expressions';

describe('parseExpressions', () => {
  it('splits text and the two kinds of expression, whitespace inside braces allowed', () => {
    expect(parseExpressions('${{params.seed}}')).toEqual({ parts: [{ kind: 'param', name: 'seed', text: '${{params.seed}}' }] });
    expect(parseExpressions('a ${{  steps.pre-train.outputs.model_dir }}/b')).toEqual({
      parts: ['a ', { kind: 'output', step: 'pre-train', output: 'model_dir', text: '${{  steps.pre-train.outputs.model_dir }}' }, '/b'],
    });
    expect(parseExpressions('no expressions {{ here }}')).toEqual({ parts: ['no expressions {{ here }}'] });
  });

  it('rejects anything else inside ${{ }}', () => {
    for (const bad of ['${{ params }}', '${{ steps.a.output.b }}', '${{ params.a + 1 }}', '${{ env.X }}', 'x ${{ params.a']) {
      const result = parseExpressions(bad);
      expect(result, bad).toHaveProperty('error');
      expect(result).toHaveProperty('hint', 'the only expressions are ${{ params.NAME }} and ${{ steps.ID.outputs.NAME }}');
    }
  });
});
