import { UserError } from './user-error';

/** Collect repeated `--set k=v` flags into a record. */
export function collectSet(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new UserError(`--set ${value}: expected NAME=VALUE`, 'for example: --set pretrain_steps=500', 2);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}
