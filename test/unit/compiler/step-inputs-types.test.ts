// The TypeScript types of every step's `with` are generated from schemas/: the checked-in file must be current.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { loadCatalog } from '../../../compiler/catalog';
import { inputsTypeName, renderStepInputTypes } from '../../../compiler/step-inputs-types';
import { FIXTURES } from './helpers';

describe('compiler/step-inputs.generated.ts', () => {
  it('is what `npm run gen:types` writes from schemas/ (run it after changing a step schema)', () => {
    const file = fileURLToPath(new URL('../../../compiler/step-inputs.generated.ts', import.meta.url));
    expect(readFileSync(file, 'utf8') === renderStepInputTypes(), 'compiler/step-inputs.generated.ts is out of date: run `npm run gen:types`').toBe(true);
  });

  it('names a type per step type and version', () => {
    expect(inputsTypeName('bert/pretrain@v1')).toBe('BertPretrainInputs');
    expect(inputsTypeName('bert/pretraining-data@v1')).toBe('BertPretrainingDataInputs');
    expect(inputsTypeName('model/deploy@v2')).toBe('ModelDeployV2Inputs');
  });

  it('makes keys with defaults required, artifacts ArtifactRef, oneOf a union and "one of these keys" an intersection', () => {
    const text = renderStepInputTypes(loadCatalog(`${FIXTURES}catalog`));
    expect(text).toContain(`export type ModelTrainInputs = {
  data: ArtifactRef;
  tokenizer: ArtifactRef;
  steps: number;
  seed: number;
  label?: string;
  optimizer: {
    learning_rate: number;
    warmup_steps: number;
  };
  init?: {
    from: ArtifactRef;
  } | {
    scratch: true;
    width: number;
  };
};`);
    expect(text).toContain("export type ModelTrainDefaults = Pick<ModelTrainInputs, 'seed' | 'optimizer'>;");
    expect(text).toContain("  'text/source@v1': TextSourceInputs;");
    expect(renderStepInputTypes()).toContain('} & ({ corpus: ArtifactRef } | { vocab: string });');
  });
});
