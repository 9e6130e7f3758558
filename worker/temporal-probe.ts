import { Connection } from '@temporalio/client';

import { missingSearchAttributes } from './temporal-search-attributes';

/** Open a connection, run `fn`, always close it (an unclosed channel keeps the process alive). */
export async function withConnection<T>(
  address: string,
  timeoutMs: number,
  fn: (connection: Connection) => Promise<T>,
): Promise<T> {
  const connection = Connection.lazy({ address, connectTimeout: timeoutMs });
  try {
    await connection.ensureConnected();
    return await fn(connection);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

export type ProbeResult =
  /** `missingAttributes` is undefined while the namespace cannot be read yet (the server is still starting). */
  | { answers: true; missingAttributes: string[] | undefined }
  | { answers: false; error: string };

/** Whether a Temporal frontend answers at `address`, and which Kiln search attributes it still lacks. */
export async function probeServer(address: string, namespace: string, timeoutMs = 2_000): Promise<ProbeResult> {
  try {
    return await withConnection(address, timeoutMs, async (connection) => {
      const deadline = Date.now() + timeoutMs;
      await connection.withDeadline(deadline, () => connection.workflowService.getSystemInfo({}));
      const missing = await connection
        .withDeadline(deadline, () => missingSearchAttributes(connection, namespace))
        .catch(() => undefined);
      return { answers: true as const, missingAttributes: missing };
    });
  } catch (err) {
    return { answers: false, error: (err as Error).message };
  }
}
