import { UserError } from './user-error';

/** Collect repeated `--set k=v` flags into a record. */
export function collectSet(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new UserError(`--set ${value}: expected NAME=VALUE`, 'for example: --set pretrain_steps=500', 2);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/**
 * Collect repeated `--matrix NAME=V1,V2` flags: NAME to its values, unparsed (the compiler converts them like
 * `--set`). Commas inside [...] or {...} belong to the value, so JSON arrays and objects can be swept.
 * A name given twice gets the values of both.
 */
export function collectMatrix(value: string, previous: Record<string, string[]> = {}): Record<string, string[]> {
  const eq = value.indexOf('=');
  const values = eq > 0 ? splitValues(value.slice(eq + 1)) : undefined;
  if (!values || values.some((v) => v === '')) {
    throw new UserError(`--matrix ${value}: expected NAME=VALUE,VALUE,... with no empty value`, 'for example: --matrix lr=1e-4,5e-4', 2);
  }
  const name = value.slice(0, eq);
  return { ...previous, [name]: [...(previous[name] ?? []), ...values] };
}

/** Splits at the commas outside brackets and braces (and the JSON strings within them). */
function splitValues(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"' && depth > 0) quoted = true;
    else if (c === '[' || c === '{') depth++;
    else if ((c === ']' || c === '}') && depth > 0) depth--;
    else if (c === ',' && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}
