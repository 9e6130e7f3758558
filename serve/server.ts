// The inference server: node:http, the routes, and the guarantees around them: every answer is JSON, a bad
// request never brings the process down, and close() lets requests in flight finish.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { ModelRegistry } from '../store/registry';
import { HttpError, toHttpError } from './http-error';
import { DEFAULT_BATCH, DEFAULT_LIMITS, type BatchOptions, type ServeLimits } from './limits';
import { ModelPool } from './model-pool';
import { route, type Answer } from './routes';
import type { LoadModel } from './types';

export interface ServeOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  registry?: ModelRegistry;
  /** How a registered version becomes a served model (tests inject fakes). */
  loadModel: LoadModel;
  limits?: Partial<ServeLimits>;
  batch?: Partial<BatchOptions>;
  /** Versions kept loaded at once. */
  maxLoaded?: number;
  log?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  host: string;
  port: number;
  registry: ModelRegistry;
  pool: ModelPool;
  /** Stops accepting connections, waits for requests in flight, frees the models. */
  close(): Promise<void>;
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const registry = options.registry ?? new ModelRegistry();
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const pool = new ModelPool(registry, options.loadModel, { ...DEFAULT_BATCH, ...options.batch }, options.maxLoaded);
  const log = options.log ?? (() => undefined);
  const ctx = { registry, pool, limits };

  const server = http.createServer((req, res) => {
    // A client that hung up (mid-body, or while its texts waited for a batch) is not a server error: its
    // 'aborted' error is expected, and there is no one left to answer.
    const clientGone = () => {
      if (!req.socket.destroyed && !res.destroyed) return false;
      log(`${req.method} ${req.url}: client closed the connection`);
      return true;
    };
    route(req, ctx).then(
      (answer) => clientGone() || send(res, answer),
      (error: unknown) => {
        if (clientGone()) return;
        const e = toHttpError(error);
        if (e.status >= 500) log(`${req.method} ${req.url}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        // After an oversize body the connection's stream is in an unknown place: do not reuse it.
        send(res, { status: e.status, body: e.body() }, e.status === 413, e.headers);
      },
    );
  });
  server.requestTimeout = 60_000;
  // Malformed HTTP never reaches a handler: answer in JSON too, then drop the connection.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    // Node refuses headers over its limit before any handler runs; say so rather than "malformed".
    const [status, e] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? ['431 Request Header Fields Too Large', new HttpError(431, 'request headers too large', `send smaller headers (cookies, tokens); the limit is ${http.maxHeaderSize / 1024} KiB in all`)]
        : ['400 Bad Request', new HttpError(400, `malformed HTTP request: ${error.message}`)];
    const body = JSON.stringify(e.body());
    socket.end(`HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    host,
    port,
    registry,
    pool,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await pool.dispose();
      })();
      return closing;
    },
  };
}

function send(res: http.ServerResponse, answer: Answer, close = false, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = JSON.stringify(answer.body) + '\n';
  res.writeHead(answer.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...(close ? { connection: 'close' } : {}),
    ...headers,
  });
  res.end(body);
}
