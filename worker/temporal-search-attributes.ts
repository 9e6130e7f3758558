import type { Connection } from '@temporalio/client';

import { KILN_SEARCH_ATTRIBUTE_KEYS } from '../workflows/search-attributes';

/** The Keyword search attributes kiln sets on runs (defined beside the workflow that sets them), by name. */
export const KILN_SEARCH_ATTRIBUTES: readonly string[] = KILN_SEARCH_ATTRIBUTE_KEYS.map((key) => key.name);

/** temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD. */
const INDEXED_VALUE_TYPE_KEYWORD = 2;

/** `--search-attribute NAME=Keyword` flags for `temporal server start-dev`. */
export function searchAttributeFlags(): string[] {
  return KILN_SEARCH_ATTRIBUTES.flatMap((name) => ['--search-attribute', `${name}=Keyword`]);
}

/** The Kiln attributes that `namespace` does not know yet. */
export async function missingSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const response = await connection.operatorService.listSearchAttributes({ namespace });
  const known = response.customAttributes ?? {};
  return KILN_SEARCH_ATTRIBUTES.filter((name) => !(name in known));
}

/**
 * Register the Kiln attributes on an external cluster (cli/connect.ts, when `TEMPORAL_ADDRESS` is set); the
 * embedded dev server gets them from flags. Returns the names that were added; existing ones are left alone.
 */
export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const missing = await missingSearchAttributes(connection, namespace);
  if (missing.length === 0) return [];
  const searchAttributes = Object.fromEntries(missing.map((name) => [name, INDEXED_VALUE_TYPE_KEYWORD]));
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  } catch (err) {
    // Another process may have added them between our list and add.
    if (!isAlreadyExists(err)) throw err;
  }
  return missing;
}

function isAlreadyExists(err: unknown): boolean {
  const code = (err as { code?: number }).code;
  // gRPC ALREADY_EXISTS = 6; some server versions answer INVALID_ARGUMENT (3) with "already exists".
  return code === 6 || /already exists/i.test(String((err as Error).message));
}
