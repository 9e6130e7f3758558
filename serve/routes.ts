// The HTTP API: route matching and the handlers. Every answer is JSON; every error is `{error, hint?}`.
import type { IncomingMessage } from 'node:http';

import type { Json } from '../contract/json';
import type { ModelRegistry, Resolved } from '../store/registry';
import { formatModelRef, parseModelRef } from '../store/registry-ref';
import { HttpError } from './http-error';
import type { ServeLimits } from './limits';
import type { ModelPool } from './model-pool';
import { parseJson, parseTextsRequest, readBody } from './request-body';
import type { Action } from './types';

export interface RouteContext {
  registry: ModelRegistry;
  pool: ModelPool;
  limits: ServeLimits;
}

export interface Answer {
  status: number;
  body: Json;
}

const DEFAULT_TOP_K = 5;
const ACTIONS: readonly string[] = ['predict', 'fill-mask', 'embed'] satisfies Action[];
const ROUTES_HINT =
  'routes: GET /healthz, GET /v1/models, GET /v1/models/NAME, POST /v1/models/NAME/predict, POST /v1/models/NAME/fill-mask, ' +
  'POST /v1/models/NAME/embed (NAME may be NAME:VERSION or NAME@ALIAS)';

export async function route(req: IncomingMessage, ctx: RouteContext): Promise<Answer> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const parts = url.pathname.split('/').filter((p) => p !== '');
  const method = req.method ?? 'GET';
  if (parts.length === 1 && parts[0] === 'healthz') {
    allow(method, READ, url.pathname);
    return { status: 200, body: { status: 'ok', models: (await ctx.registry.names()).length, registry: ctx.registry.root } };
  }
  if (parts[0] === 'v1' && parts[1] === 'models') {
    if (parts.length === 2) {
      allow(method, READ, url.pathname);
      return { status: 200, body: { models: await listModels(ctx.registry) } };
    }
    const ref = parseModelRef(decode(parts[2]!));
    if (parts.length === 3) {
      allow(method, READ, url.pathname);
      const resolved = await ctx.pool.resolve(ref);
      return { status: 200, body: { model: describe(resolved), record: resolved.record as unknown as Json } };
    }
    if (parts.length === 4 && ACTIONS.includes(parts[3]!)) {
      allow(method, ['POST'], url.pathname);
      const action = parts[3] as Action;
      const resolved = await ctx.pool.resolve(ref);
      return action === 'embed' ? embed(req, ctx, resolved) : infer(req, ctx, action, resolved);
    }
  }
  throw new HttpError(404, `no route ${method} ${url.pathname}`, ROUTES_HINT);
}

async function infer(req: IncomingMessage, ctx: RouteContext, action: 'predict' | 'fill-mask', resolved: Resolved): Promise<Answer> {
  const { kind, name, version } = resolved.record;
  const wanted = action === 'predict' ? 'classifier' : 'encoder';
  if (kind !== wanted) {
    const other = action === 'predict' ? 'fill-mask or /embed' : 'predict';
    throw new HttpError(400, `${formatModelRef({ name, version })} is ${kind === 'encoder' ? 'a pretrained encoder' : 'a classifier'}: it has no ${action}`, `use POST /v1/models/${name}/${other}`);
  }
  const request = parseTextsRequest(parseJson(await readBody(req, ctx.limits.maxBodyBytes)), action, ctx.limits);
  const model = await ctx.pool.model(resolved);
  if (action === 'fill-mask' && !model.model.fillMask) {
    // Its masked-LM weights would be placeholders: an answer would look plausible and mean nothing.
    throw new HttpError(400, `${formatModelRef({ name, version })} has no masked-LM head (imported without one): use /embed`, `POST /v1/models/${name}/embed gives its sentence embeddings`);
  }
  const predictions =
    action === 'predict'
      ? await model.predict(request.texts, request.pairs)
      : await model.fillMask(request.texts, request.topK ?? DEFAULT_TOP_K);
  return { status: 200, body: { model: describe(resolved), predictions: predictions as unknown as Json } };
}

/** Both kinds embed: a classifier with its fine-tuned encoder. */
async function embed(req: IncomingMessage, ctx: RouteContext, resolved: Resolved): Promise<Answer> {
  const request = parseTextsRequest(parseJson(await readBody(req, ctx.limits.maxBodyBytes)), 'embed', ctx.limits);
  const model = await ctx.pool.model(resolved);
  const { embedding } = model.model;
  if (!embedding) throw new HttpError(400, `${formatModelRef(resolved.record)} has no sentence embeddings`, 'use predict or fill-mask');
  const embeddings = await model.embed(request.texts);
  const { mode, normalize } = embedding.pooling;
  return { status: 200, body: { model: describe(resolved), embeddings, dimensions: embedding.dimensions, pooling: { mode, normalize } } };
}

function describe(resolved: Resolved): Json {
  const { name, version, kind, digest } = resolved.record;
  return { name, version, kind, digest, ...(resolved.alias ? { alias: resolved.alias } : {}) };
}

async function listModels(registry: ModelRegistry): Promise<Json[]> {
  const names = await registry.names();
  return Promise.all(
    names.map(async (name) => {
      const versions = await registry.versions(name);
      return {
        name,
        aliases: await registry.aliases(name),
        versions: versions.map(({ version, kind, created, digest, metrics }) => ({ version, kind, created, digest, metrics })),
      };
    }),
  );
}

/** GET routes answer HEAD too (node:http drops the body); a 405 names the allowed methods in `Allow`. */
const READ = ['GET', 'HEAD'];

function allow(method: string, expected: string[], pathname: string): void {
  if (!expected.includes(method)) {
    throw new HttpError(405, `${pathname} takes ${expected.join(' or ')}, not ${method}`, ROUTES_HINT, { allow: expected.join(', ') });
  }
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `invalid percent-encoding in ${JSON.stringify(segment)}`);
  }
}
