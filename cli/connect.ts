import { Client, Connection } from '@temporalio/client';

import { kilnHome } from '../store/paths';
import { KILN_SEARCH_ATTRIBUTES, registerSearchAttributes } from '../worker/temporal-search-attributes';
import { ensureServer, type ServerInfo } from '../worker/temporal-server';

export interface Connected {
  client: Client;
  connection: Connection;
  server: ServerInfo;
  close(): Promise<void>;
}

/** `TEMPORAL_ADDRESS` when set, else the embedded dev server (started on first use). */
export async function connect(log: (message: string) => void = (m) => console.error(m)): Promise<Connected> {
  const server = await ensureServer({ home: kilnHome(), log });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: server.namespace });
  if (server.external) await ensureSearchAttributes(connection, server.namespace, log);
  return { client, connection, server, close: () => connection.close() };
}

/**
 * Runs carry kiln's search attributes, which a cluster must know before a run can start: register the missing
 * ones. Where kiln may not (Temporal Cloud, a namespace without operator rights), say what to register instead.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string, log: (message: string) => void): Promise<void> {
  try {
    const added = await registerSearchAttributes(connection, namespace);
    if (added.length > 0) log(`registered kiln's search attributes on namespace ${namespace}: ${added.join(', ')}`);
  } catch (error) {
    log(
      `kiln: could not check or register kiln's search attributes on namespace ${namespace} (${(error as Error).message.split('\n')[0]})\n` +
        `  hint: register ${KILN_SEARCH_ATTRIBUTES.join(', ')} as Keyword ` +
        `(\`temporal operator search-attribute create --namespace ${namespace} --name NAME --type Keyword\`)`,
    );
  }
}

/** Where the Temporal Web UI shows this run. */
export function runUrl(server: ServerInfo, workflowId: string): string {
  return `${server.uiUrl}/namespaces/${encodeURIComponent(server.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
