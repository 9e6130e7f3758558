// Schema validation of the pipeline document (schemas/pipeline.schema.json). Step `with` values are
// validated separately, against their step type's schema, once expressions are resolved (see inputs.ts).
import type { ValidateFunction } from 'ajv';
import { SCHEMAS_DIR, readSchemaFile, sharedAjv } from './ajv';
import { translateAjvErrors } from './ajv-errors';
import type { CompositeContext } from './composites';
import type { Diagnostic } from './errors';
import type { LoadedYaml } from './load';
import { indexPointers, type SchemaIndex } from './schema-walk';
import { cachedValidator } from './validator-cache';
import type { Json } from '../contract/json';

interface PipelineValidator {
  validate: ValidateFunction;
  composites: CompositeContext;
}

let compiled: PipelineValidator | undefined;

/** Compiled once per process: `kiln validate` should feel instant. */
function pipelineValidator(): PipelineValidator {
  if (!compiled) {
    const ajv = sharedAjv();
    const schema = readSchemaFile(`${SCHEMAS_DIR}pipeline.schema.json`);
    const pointers: SchemaIndex = new WeakMap();
    indexPointers(schema, String(schema.$id), pointers);
    ajv.addSchema(schema);
    compiled = { validate: cachedValidator(ajv, String(schema.$id), [schema]), composites: { ajv, pointers } };
  }
  return compiled;
}

/** Checks the document's shape: keys, types, durations, step ids. Expressions and references are checked elsewhere. */
export function validatePipelineShape(yaml: LoadedYaml, value: Json): Diagnostic[] {
  if (value === null) {
    return [yaml.diagnostic([], 'the file is empty', 'a pipeline starts with "apiVersion: kiln/v1" and "kind: Pipeline"')];
  }
  const { validate, composites } = pipelineValidator();
  // Validate a copy: useDefaults must not add keys (like `cache: true`) to the document itself.
  const copy = structuredClone(value);
  if (validate(copy)) return [];
  return translateAjvErrors(validate.errors, { yaml, data: copy, prefix: [], composites });
}
