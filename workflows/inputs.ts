import type { Json } from '../contract/json';
import type { OutputRef, OutputTemplate } from '../compiler/types';

type StepOutputs = { [stepId: string]: { [output: string]: Json } };

function isRef(value: Json): value is Json & OutputRef {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && '$ref' in value;
}

function isTemplate(value: Json): value is Json & OutputTemplate {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && '$template' in value;
}

function lookup(ref: OutputRef, outputs: StepOutputs): Json {
  const value = outputs[ref.$ref.step]?.[ref.$ref.output];
  // The compiler checked the reference and the step finished, so a gap here is a bug in the step, not the user.
  if (value === undefined) throw new Error(`step "${ref.$ref.step}" did not produce output "${ref.$ref.output}"`);
  return value;
}

/** Text form of an output inside a longer string: an artifact's uri, else the value itself. */
function asText(value: Json): string {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && typeof value.uri === 'string') {
    return value.uri;
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Replace every step-output reference in a step's inputs with the finished step's output. */
export function resolveInputs(value: Json, outputs: StepOutputs): Json {
  if (Array.isArray(value)) return value.map((item) => resolveInputs(item, outputs));
  if (value === null || typeof value !== 'object') return value;
  if (isRef(value)) return lookup(value, outputs);
  if (isTemplate(value)) {
    return value.$template.map((part) => (typeof part === 'string' ? part : asText(lookup(part, outputs)))).join('');
  }
  const resolved: { [key: string]: Json } = {};
  for (const [key, item] of Object.entries(value)) resolved[key] = resolveInputs(item, outputs);
  return resolved;
}
