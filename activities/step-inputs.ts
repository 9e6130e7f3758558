// The activity edge: a step's inputs checked against its type's schema and cross-field rules by the compiler's
// validator, every default filled in, typed from the schema. The code below never sees an unchecked `with`.
import { resolveStepInputs, type StepTypeName } from '../compiler/step-inputs';
import type { StepInputs } from '../compiler/step-inputs.generated';
import type { StepInput } from '../compiler/types';
import { invalidInput } from './failures';

/** The inputs of a step of `type`; InvalidInput naming each wrong key (`steps.ID.with.KEY: ...`) otherwise. */
export function stepInputs<T extends StepTypeName>(type: T, input: StepInput): StepInputs[T] {
  const result = resolveStepInputs(type, input.inputs, ['steps', input.stepId, 'with']);
  if ('inputs' in result) return result.inputs;
  const { problems } = result;
  throw invalidInput(problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems.find((p) => p.hint)?.hint);
}
