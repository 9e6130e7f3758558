// ajv errors -> Diagnostics a person can act on: positioned in the YAML, one line each, with the
// allowed keys or values and a "did you mean" where a typo is likely.
import type { ErrorObject } from 'ajv';
import { SUMMARY, describeValue, resolveComposites, typeNames, type CompositeContext } from './composites';
import { DURATION_EXAMPLES, DURATION_PATTERN } from './durations';
import type { Diagnostic } from './errors';
import type { LoadedYaml } from './load';
import { pointerToPath, type Path } from './paths';
import { closest, didYouMean } from './suggest';

export interface TranslateOptions {
  yaml: LoadedYaml;
  /** The value that was validated, and where it lives in the document. */
  data: unknown;
  prefix: Path;
  composites: CompositeContext;
  /** Replaces (a Diagnostic), drops (null) or keeps (undefined) the default message for one error. */
  rewrite?: (error: ErrorObject, path: Path) => Diagnostic | null | undefined;
}

const PATTERNS: Record<string, string> = {
  [DURATION_PATTERN]: `must be a duration like ${DURATION_EXAMPLES}`,
  '^[a-z][a-z0-9-]*/[a-z][a-z0-9-]*@v[0-9]+$': 'must be a step type like family/name@v1',
  '^[a-z][a-z0-9-]{0,62}$': 'must be lowercase letters, digits and dashes, starting with a letter, at most 63 characters',
  '^[a-z][a-z0-9-]*$': 'must be lowercase letters, digits and dashes, starting with a letter',
  '^[A-Za-z_][A-Za-z0-9_-]*$': 'must be letters, digits, "_" and "-", starting with a letter or "_"',
  '^kiln://sha256/[0-9a-f]{64}$': 'must be an artifact uri kiln://sha256/<64 hex digits>',
  '^[0-9a-f]{64}$': 'must be 64 lowercase hex digits',
};

function describePattern(pattern: string): string {
  return PATTERNS[pattern] ?? `must match the pattern ${pattern}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function isArtifactSchemaError(e: ErrorObject): boolean {
  return e.schemaPath.includes('artifact.schema.json');
}

export function translateAjvErrors(errors: ErrorObject[] | null | undefined, o: TranslateOptions): Diagnostic[] {
  // propertyNames reports its inner failure too (with `propertyName` set); the outer error says it all.
  const plain = (errors ?? []).filter((e) => e.propertyName === undefined);
  const resolved = resolveComposites(plain, o.composites);
  // A wrong artifact is reported once, as a kind error, not as each ArtifactRef field that is off.
  const kindAt = new Set(resolved.filter((e) => e.keyword === 'x-kiln-kind').map((e) => e.instancePath));
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const e of resolved) {
    if (isArtifactSchemaError(e) && [...kindAt].some((p) => e.instancePath === p || e.instancePath.startsWith(`${p}/`))) continue;
    const path = [...o.prefix, ...pointerToPath(e.instancePath, o.data)];
    const rewritten = o.rewrite?.(e, path);
    const d = rewritten === undefined ? describeError(e, path, o.yaml) : rewritten;
    if (!d) continue;
    const key = `${d.line}:${d.col}:${d.path}:${d.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(d);
    }
  }
  return out;
}

/** The default Diagnostic for one ajv error at `path`. */
function describeError(e: ErrorObject, path: Path, yaml: LoadedYaml): Diagnostic {
  const p = e.params as Record<string, unknown>;
  const got = describeValue(e.data);
  const parent = (e.parentSchema ?? {}) as Record<string, unknown>;
  const at = (message: string, hint?: string) => yaml.diagnostic(path, message, hint);
  switch (e.keyword) {
    case SUMMARY:
      return yaml.diagnostic(path, e.message ?? 'invalid value', p.hint as string | undefined, p.at === 'key' ? 'key' : 'value');
    case 'type':
      return at(`must be ${typeNames(p.type)} (got ${got})`);
    case 'required': {
      const key = String(p.missingProperty);
      const description = ((parent.properties ?? {}) as Record<string, { description?: string }>)[key]?.description;
      return yaml.diagnostic(path, `missing required key "${key}"`, description ? `${key}: ${description}` : undefined, 'key');
    }
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const allowed = Object.keys((parent.properties ?? {}) as object);
      const hint = allowed.length > 0 ? `allowed keys: ${allowed.join(', ')}` : 'no keys are allowed here';
      return yaml.diagnostic([...path, key], `unknown key "${key}"${didYouMean(key, allowed)}`, hint, 'key');
    }
    case 'propertyNames': {
      const key = String(p.propertyName);
      const pattern = (parent.propertyNames as { pattern?: string } | undefined)?.pattern;
      const last = path[path.length - 1];
      const what = path.length === 1 && last === 'steps' ? 'step id' : path.length === 1 && last === 'params' ? 'param name' : 'key';
      const why = pattern ? `: ${describePattern(pattern)}` : '';
      return yaml.diagnostic([...path, key], `invalid ${what} "${key}"${why}`, undefined, 'key');
    }
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]) ?? [];
      const list = allowed.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
      const near = typeof e.data === 'string' ? closest(e.data, allowed.filter((v): v is string => typeof v === 'string')) : undefined;
      return at(`must be one of: ${list} (got ${got})`, near ? `did you mean "${near}"?` : undefined);
    }
    case 'const':
      return at(`must be ${JSON.stringify(p.allowedValue)} (got ${got})`);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return at(`must be ${String(p.comparison)} ${String(p.limit)} (got ${got})`);
    case 'multipleOf':
      return at(`must be a multiple of ${String(p.multipleOf)} (got ${got})`);
    case 'pattern': {
      // The schema's own words about the value, when it has some, say more than a regex.
      const description = typeof parent.description === 'string' ? parent.description : undefined;
      return at(`${describePattern(String(p.pattern))} (got ${got})`, PATTERNS[String(p.pattern)] ? undefined : description);
    }
    case 'minLength':
      return at(p.limit === 1 ? 'must not be empty' : `must be at least ${plural(Number(p.limit), 'character')} long (got ${got})`);
    case 'maxLength':
      return at(`must be at most ${plural(Number(p.limit), 'character')} long`);
    case 'minItems':
    case 'maxItems': {
      const n = Array.isArray(e.data) ? e.data.length : 0;
      const bound = e.keyword === 'minItems' ? 'at least' : 'at most';
      return at(p.limit === 1 && bound === 'at least' ? 'must not be empty' : `must have ${bound} ${plural(Number(p.limit), 'item')} (got ${n})`);
    }
    case 'minProperties':
    case 'maxProperties': {
      if (e.keyword === 'minProperties' && path.length === 1 && path[0] === 'steps') return at('a pipeline needs at least one step');
      return at(`must have ${e.keyword === 'minProperties' ? 'at least' : 'at most'} ${plural(Number(p.limit), 'key')}`);
    }
    case 'uniqueItems':
      return at(`must not contain duplicates (items ${String(p.j)} and ${String(p.i)} are equal)`);
    case 'format':
      return at(`must be a valid ${String(p.format)} (got ${got})`);
    case 'dependentRequired':
      return yaml.diagnostic(path, `"${String(p.property)}" also needs "${String(p.missingProperty)}"`, undefined, 'key');
    case 'false schema':
      return yaml.diagnostic(path, 'is not allowed here', undefined, 'key');
    case 'x-kiln-kind': {
      const kind = String(p.kind);
      const other = (e.data as { kind?: unknown } | null)?.kind;
      return at(`must be a "${kind}" artifact (got ${typeof other === 'string' ? `a "${other}" artifact` : got})`, `use \${{ steps.ID.outputs.NAME }} of a step whose output is a "${kind}" artifact`);
    }
    default:
      return at(e.message ?? `fails ${e.keyword}`);
  }
}
