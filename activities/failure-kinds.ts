// Errors that leave a step activity as something other than an ApplicationFailure, sorted by what retrying can
// do about them: out of memory (another worker may have more), a crashed training thread (a retry resumes from
// its checkpoint), a full disk (no retry frees space), a network or I/O hiccup (the retry policy's backoff).
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';

export type FailureKind = 'OutOfMemory' | 'TrainingCrashed' | 'DiskFull' | 'TransientIO';

/** Where the failure happened; every classified message starts with `step "<id>" attempt N:`. */
export interface FailureContext {
  stepId: string;
  attempt: number;
  workflowId?: string;
  /** The kiln home, whose disk a full-disk hint names. */
  home?: string;
}

interface Classified {
  type: FailureKind;
  what: string;
  retryable: boolean;
  hint?: string;
}

const OOM = /Array buffer allocation failed|ERR_WORKER_OUT_OF_MEMORY|memory access out of bounds|Aborted\(OOM\)|out of memory|Cannot allocate memory/i;
const OOM_CODES = new Set(['ERR_WORKER_OUT_OF_MEMORY', 'ENOMEM']);
const DISK_FULL_CODES = new Set(['ENOSPC', 'EDQUOT']);
const DISK_FULL = /\bENOSPC\b|\bEDQUOT\b|no space left on device|disk quota exceeded/i;
/** training-runner.ts reports a thread that died with these words. */
const THREAD_CRASH = /^training thread (crashed|exited)/;
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'ESTALE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** The error and its causes (fetch hides the socket error in `cause`), outermost first. */
function chain(error: unknown): Array<{ code?: string; message: string }> {
  const found: Array<{ code?: string; message: string }> = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    const e = current as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    found.push({ code: typeof e.code === 'string' ? e.code : undefined, message: typeof e.message === 'string' ? e.message : String(current) });
    if (Array.isArray(e.errors)) for (const inner of e.errors) found.push(...chain(inner));
    current = e.cause;
  }
  return found;
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0]!.trim();
}

export function classify(error: unknown, at: FailureContext): Classified | undefined {
  const links = chain(error);
  const codes = links.map((l) => l.code).filter((c): c is string => c !== undefined);
  const text = links.map((l) => l.message).join('\n');
  const name = (error as { name?: unknown })?.name;
  const message = firstLine(links[0]?.message ?? String(error));
  // `RangeError: Array buffer allocation failed` says more than the message alone.
  const original = typeof name === 'string' && name !== 'Error' && !message.startsWith(name) ? `${name}: ${message}` : message;
  if (codes.some((c) => DISK_FULL_CODES.has(c)) || DISK_FULL.test(text)) {
    const resume = at.workflowId ? `\`kiln resume ${at.workflowId}\`` : '`kiln resume RUN`';
    return {
      type: 'DiskFull',
      what: `the disk is full (${original})`,
      retryable: false,
      hint: `free space on the disk of ${at.home ?? 'the kiln home'} (\`kiln store gc --keep-runs 5\` deletes what older runs left), then ${resume}`,
    };
  }
  if (codes.some((c) => OOM_CODES.has(c)) || OOM.test(text)) {
    return {
      type: 'OutOfMemory',
      what: `out of memory (${original})`,
      retryable: true,
      hint: 'lower with.batch_size, or use a smaller model (hidden_size, num_layers, max_seq_length); a worker with more memory may succeed on a retry',
    };
  }
  if (THREAD_CRASH.test(links[0]?.message ?? '')) {
    return {
      type: 'TrainingCrashed',
      what: `the training process crashed (${original})`,
      retryable: true,
      hint: "a retry resumes from the newest checkpoint; if it keeps crashing, the worker's log has the thread's output",
    };
  }
  const transient = codes.find((c) => TRANSIENT_CODES.has(c));
  if (transient) return { type: 'TransientIO', what: `transient I/O error ${transient} (${original})`, retryable: true };
  return undefined;
}

/**
 * The failure that leaves a step activity, carrying the attempt so the run summary can say "after N attempts":
 * an ApplicationFailure keeps its type and message, a cancellation stays one, and any other error is classified
 * (an unclassified one keeps its class name as type and stays retryable).
 */
export function failureLeaving(error: unknown, at: FailureContext): Error {
  const details = [{ attempt: at.attempt }];
  if (error instanceof ApplicationFailure) {
    const { type, message, nonRetryable, cause } = error;
    return ApplicationFailure.create({ type: type ?? 'Error', message, nonRetryable: nonRetryable ?? false, details: [...(error.details ?? []), ...details], cause });
  }
  if (error instanceof CancelledFailure) return error;
  const cause = error instanceof Error ? error : undefined;
  const found = classify(error, at);
  if (!found) {
    const message = error instanceof Error ? error.message : String(error);
    const type = error instanceof Error ? (error.constructor?.name ?? 'Error') : 'Error';
    return ApplicationFailure.create({ type, message, details, cause });
  }
  const message = `step "${at.stepId}" attempt ${at.attempt}: ${found.what}${found.hint ? `\nhint: ${found.hint}` : ''}`;
  return ApplicationFailure.create({ type: found.type, message, nonRetryable: !found.retryable, details, cause });
}
