import { Client, Connection } from '@temporalio/client';

import { kilnHome } from '../store/paths';
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
  return { client, connection, server, close: () => connection.close() };
}

/** Where the Temporal Web UI shows this run. */
export function runUrl(server: ServerInfo, workflowId: string): string {
  return `${server.uiUrl}/namespaces/${encodeURIComponent(server.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
