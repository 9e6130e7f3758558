// Model names, aliases and references (`NAME`, `NAME:3`, `NAME@staging`) as users and URLs spell them.
import { RegistryError, type ModelRef } from './registry-types';

export const NAME_PATTERN = /^[a-z][a-z0-9-]*$/;
export const ALIAS_PATTERN = /^[a-z][a-z0-9-]*$/;
export const DEFAULT_ALIAS = 'production';

const REF_HINT = 'write NAME (its production alias), NAME:VERSION (e.g. sentiment:3) or NAME@ALIAS (e.g. sentiment@staging)';

export function checkName(name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new RegistryError('invalid-ref', `invalid model name ${JSON.stringify(name)}`, 'names are lowercase letters, digits and dashes, starting with a letter');
  }
}

export function checkAlias(alias: string): void {
  if (!ALIAS_PATTERN.test(alias)) {
    throw new RegistryError('invalid-ref', `invalid alias ${JSON.stringify(alias)}`, 'aliases are lowercase letters, digits and dashes, starting with a letter');
  }
}

export function parseModelRef(text: string): ModelRef {
  const match = /^([^:@]*)(?::([^:@]*)|@([^:@]*))?$/.exec(text);
  if (!match) throw new RegistryError('invalid-ref', `invalid model reference ${JSON.stringify(text)}`, REF_HINT);
  const [, name = '', version, alias] = match;
  checkName(name);
  if (version !== undefined) {
    if (!/^[1-9][0-9]{0,8}$/.test(version)) {
      throw new RegistryError('invalid-ref', `invalid version ${JSON.stringify(version)} in ${JSON.stringify(text)}`, 'versions are whole numbers from 1');
    }
    return { name, version: Number(version) };
  }
  if (alias !== undefined) {
    checkAlias(alias);
    return { name, alias };
  }
  return { name };
}

export function formatModelRef(ref: ModelRef): string {
  if (ref.version !== undefined) return `${ref.name}:${ref.version}`;
  return ref.alias !== undefined ? `${ref.name}@${ref.alias}` : ref.name;
}
