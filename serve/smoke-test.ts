// The deploy step's smoke test: ask a running server for predictions from one explicit version and check that
// the answer is well formed (labels from the model's label set, probabilities that sum to 1; for an encoder,
// candidates with scores for every [MASK]; for an encoder without a masked-LM head, one finite vector per text).
import type { Action } from './types';

export const DEFAULT_SMOKE_TEXTS: Record<Action, string[]> = {
  predict: ['This is a wonderful product and I loved every minute of it.', 'The service was slow and the food was cold.'],
  'fill-mask': ['The capital of France is [MASK].', 'She opened the [MASK] and walked inside.'],
  embed: ['A man is eating food.', 'The new movie is awesome.'],
};

export interface SmokeTestOptions {
  url: string;
  name: string;
  version: number;
  /** What to ask: predict for classifiers, fill-mask for encoders, embed for encoders without a masked-LM head. */
  action: Action;
  texts: string[];
  /** The classifier's label set when known (labels.json); else the first answer's labels must recur. */
  labels?: string[];
  timeoutMs?: number;
}

export type SmokeResult = { ok: true; predictions: unknown[] } | { ok: false; error: string };

const SUM_TOLERANCE = 1e-3;

export async function smokeTest(options: SmokeTestOptions): Promise<SmokeResult> {
  const { action } = options;
  const endpoint = `${options.url}/v1/models/${options.name}:${options.version}/${action}`;
  let status: number;
  let body: Answer & { error?: string; hint?: string };
  try {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ texts: options.texts }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 120_000),
    });
    status = res.status;
    body = (await res.json()) as typeof body;
  } catch (error) {
    return { ok: false, error: `POST ${endpoint}: ${(error as Error).message}` };
  }
  if (status !== 200) {
    return { ok: false, error: `POST ${endpoint} answered ${status}: ${body.error ?? JSON.stringify(body)}${body.hint ? ` (hint: ${body.hint})` : ''}` };
  }
  const problem = checkAnswer(body, options);
  if (problem !== undefined) return { ok: false, error: `POST ${endpoint}: ${problem}` };
  return { ok: true, predictions: (action === 'embed' ? body.embeddings : body.predictions) as unknown[] };
}

interface Answer {
  predictions?: unknown;
  embeddings?: unknown;
  model?: { version?: unknown };
}

function checkAnswer(body: Answer, options: SmokeTestOptions): string | undefined {
  if (body.model?.version !== options.version) return `answered for version ${JSON.stringify(body.model?.version)}, not ${options.version}`;
  if (options.action === 'embed') return checkEmbeddings(body.embeddings, options.texts.length);
  const predictions = body.predictions;
  if (!Array.isArray(predictions) || predictions.length !== options.texts.length) {
    return `expected ${options.texts.length} predictions, got ${Array.isArray(predictions) ? predictions.length : JSON.stringify(predictions)}`;
  }
  let labels = options.labels;
  for (const [i, p] of predictions.entries()) {
    const problem = options.action === 'predict' ? checkPrediction(p, labels) : checkFillMask(p);
    if (problem) return `prediction ${i}: ${problem}`;
    if (options.action === 'predict') labels ??= Object.keys((p as { probabilities: object }).probabilities);
  }
  return undefined;
}

function isScore(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x) && x >= 0 && x <= 1;
}

function checkPrediction(p: unknown, labels: string[] | undefined): string | undefined {
  const { label, probabilities } = (p ?? {}) as { label?: unknown; probabilities?: unknown };
  if (typeof probabilities !== 'object' || probabilities === null) return 'no probabilities';
  const entries = Object.entries(probabilities as Record<string, unknown>);
  if (entries.length === 0) return 'no probabilities';
  const bad = entries.find(([, v]) => !isScore(v));
  if (bad) return `probability of '${bad[0]}' is ${JSON.stringify(bad[1])}, not a number in [0, 1]`;
  const sum = entries.reduce((s, [, v]) => s + (v as number), 0);
  if (Math.abs(sum - 1) > SUM_TOLERANCE) return `probabilities sum to ${sum}, not 1`;
  const keys = entries.map(([k]) => k).sort();
  if (labels && JSON.stringify(keys) !== JSON.stringify([...labels].sort())) {
    return `probabilities are over [${keys.join(', ')}], but the model's labels are [${labels.join(', ')}]`;
  }
  if (typeof label !== 'string' || !keys.includes(label)) return `label ${JSON.stringify(label)} is not one of the model's labels`;
  return undefined;
}

function checkFillMask(p: unknown): string | undefined {
  const masks = (p as { masks?: unknown } | null)?.masks;
  if (!Array.isArray(masks) || masks.length === 0) return 'no [MASK] predictions';
  for (const m of masks as Array<{ candidates?: unknown }>) {
    const candidates = m?.candidates;
    if (!Array.isArray(candidates) || candidates.length === 0) return 'a [MASK] without candidates';
    const bad = (candidates as Array<{ token?: unknown; score?: unknown }>).find((c) => typeof c?.token !== 'string' || !isScore(c.score));
    if (bad) return `candidate ${JSON.stringify(bad)} is not {token, score in [0, 1]}`;
  }
  return undefined;
}

function checkEmbeddings(embeddings: unknown, texts: number): string | undefined {
  if (!Array.isArray(embeddings) || embeddings.length !== texts) {
    return `expected ${texts} embeddings, got ${Array.isArray(embeddings) ? embeddings.length : JSON.stringify(embeddings)}`;
  }
  const size = (embeddings[0] as unknown[] | undefined)?.length ?? 0;
  for (const [i, e] of embeddings.entries()) {
    if (!Array.isArray(e) || e.length === 0 || e.length !== size) return `embedding ${i} is not a vector of ${size} numbers`;
    if (!e.every((x) => typeof x === 'number' && Number.isFinite(x))) return `embedding ${i} has a value that is not a finite number`;
  }
  return undefined;
}
