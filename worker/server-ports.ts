import net from 'node:net';

import { KilnServerError } from './server-errors';

export const DEFAULT_PORT = 7233;
export const DEFAULT_UI_PORT = 8233;

export interface ChosenPorts {
  port: number;
  uiPort: number;
  /** Lines explaining why a default port was not used. */
  notes: string[];
}

/**
 * Ports for a new dev server: `KILN_TEMPORAL_PORT` / `KILN_TEMPORAL_UI_PORT` must be free as given;
 * a busy default is replaced by a free port, with a note saying so.
 */
export async function choosePorts(env: NodeJS.ProcessEnv): Promise<ChosenPorts> {
  const notes: string[] = [];
  const port = await choosePort('KILN_TEMPORAL_PORT', DEFAULT_PORT, env, notes, []);
  const uiPort = await choosePort('KILN_TEMPORAL_UI_PORT', DEFAULT_UI_PORT, env, notes, [port]);
  return { port, uiPort, notes };
}

async function choosePort(
  variable: string,
  fallback: number,
  env: NodeJS.ProcessEnv,
  notes: string[],
  taken: number[],
): Promise<number> {
  const raw = env[variable];
  if (raw !== undefined && raw !== '') {
    const wanted = parsePort(variable, raw);
    if (taken.includes(wanted) || !(await isPortFree(wanted))) {
      throw new KilnServerError(
        `${variable}=${wanted}: that port is already in use on 127.0.0.1`,
        `choose a free port, or unset ${variable} to let kiln pick one`,
      );
    }
    return wanted;
  }
  if (!taken.includes(fallback) && (await isPortFree(fallback))) return fallback;
  const free = await freePort(taken);
  notes.push(`port ${fallback} is in use by another program; using ${free} instead (set ${variable} to choose)`);
  return free;
}

function parsePort(variable: string, raw: string): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new KilnServerError(`${variable}=${raw} is not a port number`, `set ${variable} to an integer between 1 and 65535`);
  }
  return port;
}

/** Whether nothing listens on 127.0.0.1:port (binding fails when something holds the port on any address). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port the OS considers free right now, not in `avoid`. */
export async function freePort(avoid: number[] = []): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
        const address = server.address() as net.AddressInfo;
        server.close(() => resolve(address.port));
      });
    });
    if (!avoid.includes(port)) return port;
  }
}
