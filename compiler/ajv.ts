// The ajv setup shared by the pipeline schema and the step catalog: draft 2020-12, every error
// collected, kiln's own keywords registered, and the ArtifactRef schema that step schemas $ref.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020';
import { _, str, type AnySchemaObject, type KeywordCxt } from 'ajv';

/** The repository's schemas/ directory, found from this file so it works from any cwd. */
export const SCHEMAS_DIR = fileURLToPath(new URL('../schemas/', import.meta.url));

let artifactSchema: AnySchemaObject | undefined;

export function readSchemaFile(file: string): AnySchemaObject {
  return JSON.parse(readFileSync(file, 'utf8')) as AnySchemaObject;
}

/** schemas/artifact.schema.json, which step schemas $ref. */
export function loadArtifactSchema(): AnySchemaObject {
  artifactSchema ??= readSchemaFile(`${SCHEMAS_DIR}artifact.schema.json`);
  return artifactSchema;
}

export function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({
    allErrors: true,
    useDefaults: true,
    // parentSchema and data on every error: messages quote the value and list the allowed keys.
    verbose: true,
    strictSchema: true,
    // Our schemas are checked against the draft 2020-12 meta-schema by test/unit/compiler/schemas.test.ts, not at
    // every start (it cost a CLI call ~100 ms).
    validateSchema: false,
    // Keeps each compiled validator's source, which validator-cache.ts saves.
    code: { source: true },
    strictNumbers: true,
    // Type and tuple strictness would reject ordinary step schemas (e.g. `required` inside oneOf branches).
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
  });
  // Step type metadata: outputs, defaults, implementation version. Read by the catalog, not validated here.
  ajv.addKeyword({ keyword: 'x-kiln', schemaType: 'object' });
  // A string that names a local file (true) or directory ("directory"): the step cache hashes the content, not the name.
  ajv.addKeyword({ keyword: 'x-kiln-path', schemaType: ['boolean', 'string'] });
  // An artifact input must receive an artifact of this kind (checked again, with better messages, by the compiler).
  // Generated code, not a function, so that compiled validators can be cached (validator-cache.ts).
  ajv.addKeyword({
    keyword: 'x-kiln-kind',
    schemaType: 'string',
    error: { message: ({ schema }) => str`must be a "${schema as string}" artifact`, params: ({ schema }) => _`{ kind: ${schema as string} }` },
    code(cxt: KeywordCxt) {
      const { data, schema } = cxt;
      cxt.fail(_`!(${data} && typeof ${data} == "object" && !Array.isArray(${data}) && ${data}.kind === ${schema as string})`);
    },
  });
  ajv.addSchema(loadArtifactSchema());
  return ajv;
}

let shared: Ajv2020 | undefined;

/** One instance for the pipeline schema and the repo's catalog: each new instance costs ~50 ms of meta-schema setup. */
export function sharedAjv(): Ajv2020 {
  shared ??= createAjv();
  return shared;
}
