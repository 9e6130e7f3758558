// Request bodies: read with a size cap, parsed as JSON, and checked field by field with messages that name
// the field (and the index of a bad text) so a client can fix its request without reading server code.
import type { IncomingMessage } from 'node:http';

import { HttpError } from './http-error';
import type { ServeLimits } from './limits';
import type { Action } from './types';

/** Past this many bytes of an oversize body we stop draining and drop the connection. */
const DRAIN_FACTOR = 8;

/**
 * The body as a string. An oversize body is drained (so the client can read our 413 rather than a reset)
 * unless it is absurdly large, in which case the socket is destroyed.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const tooLarge = () =>
      new HttpError(413, `request body too large: the limit is ${maxBytes} bytes`, 'send fewer or shorter texts per request');
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes * DRAIN_FACTOR) {
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > maxBytes * DRAIN_FACTOR) {
        req.destroy();
        return;
      }
      if (bytes <= maxBytes) chunks.push(chunk);
    });
    req.on('end', () => (bytes > maxBytes ? reject(tooLarge()) : resolve(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
    req.on('close', () => reject(new HttpError(400, 'request body incomplete: the client closed the connection')));
  });
}

export function parseJson(text: string): unknown {
  if (text.trim() === '') throw new HttpError(400, 'invalid JSON: the request body is empty', 'send a JSON object, e.g. {"texts": ["a sentence"]}');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `invalid JSON: ${(error as Error).message}`, 'send a JSON object, e.g. {"texts": ["a sentence"]}');
  }
}

export interface TextsRequest {
  texts: string[];
  pairs?: string[];
  topK?: number;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

function checkTexts(value: unknown, field: string, limits: ServeLimits): string[] {
  if (!Array.isArray(value)) throw new HttpError(400, `${field} must be an array of strings (got ${describe(value)})`);
  if (value.length === 0) throw new HttpError(400, `${field} is empty: send at least one text`);
  if (value.length > limits.maxTexts) {
    throw new HttpError(400, `${field} has ${value.length} texts; the limit is ${limits.maxTexts} per request`, 'split them over several requests');
  }
  value.forEach((text, i) => {
    if (typeof text !== 'string') throw new HttpError(400, `${field}[${i}] must be a string (got ${describe(text)})`);
    if (text.length > limits.maxTextChars) {
      throw new HttpError(400, `${field}[${i}] is ${text.length} characters; the limit is ${limits.maxTextChars}`, 'shorten or split the text');
    }
  });
  return value as string[];
}

/** Fields each route takes besides `texts`. */
const OPTIONAL_FIELDS: Record<Action, string[]> = { predict: ['pairs'], 'fill-mask': ['top_k'], embed: [] };

/**
 * `{texts, pairs?}` for predict, `{texts, top_k?}` for fill-mask, `{texts}` for embed; unknown keys are refused
 * (a typo would be silent).
 */
export function parseTextsRequest(body: unknown, route: Action, limits: ServeLimits): TextsRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, `the request body must be a JSON object (got ${describe(body)})`, 'send {"texts": ["a sentence", ...]}');
  }
  const allowed = ['texts', ...OPTIONAL_FIELDS[route]];
  const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    const takes = allowed.length > 1 ? `${route} takes ${allowed.join(' and ')}` : `${route} takes only ${allowed[0]}`;
    throw new HttpError(400, `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}`, takes);
  }
  const b = body as { texts?: unknown; pairs?: unknown; top_k?: unknown };
  if (b.texts === undefined) throw new HttpError(400, "missing field 'texts'", 'send {"texts": ["a sentence", ...]}');
  const texts = checkTexts(b.texts, 'texts', limits);
  const request: TextsRequest = { texts };
  if (b.pairs !== undefined) {
    const pairs = checkTexts(b.pairs, 'pairs', limits);
    if (pairs.length !== texts.length) throw new HttpError(400, `pairs has ${pairs.length} texts but texts has ${texts.length}; they go together one for one`);
    request.pairs = pairs;
  }
  if (b.top_k !== undefined) {
    if (!Number.isInteger(b.top_k) || (b.top_k as number) < 1 || (b.top_k as number) > limits.maxTopK) {
      throw new HttpError(400, `top_k must be an integer from 1 to ${limits.maxTopK} (got ${JSON.stringify(b.top_k)})`);
    }
    request.topK = b.top_k as number;
  }
  return request;
}
