// How an activity's cancellation reaches a training thread, and where a retry finds the checkpoint to resume.
import { CancelledFailure } from '@temporalio/common';

import type { TrainingSignals } from '../nlp/training/thread-runner';
import type { CheckpointRecord } from '../store/checkpoints';

/**
 * Cancellation (workflow cancelled, worker shutting down) checkpoints, then stops. A timed-out attempt
 * (TIMED_OUT) or a closed workflow (NOT_FOUND) is abandoned at once: a retry may already be writing checkpoints.
 */
export function cancellationSignals(cancelled: AbortSignal): TrainingSignals {
  const stop = new AbortController();
  const abandon = new AbortController();
  const onCancel = (): void => {
    const reason: unknown = cancelled.reason;
    const superseded = reason instanceof CancelledFailure && (reason.message === 'TIMED_OUT' || reason.message === 'NOT_FOUND');
    (superseded ? abandon : stop).abort(reason);
  };
  if (cancelled.aborted) onCancel();
  else cancelled.addEventListener('abort', onCancel, { once: true });
  return { stop: stop.signal, abandon: abandon.signal };
}

/** The checkpoint a previous attempt's last heartbeat named, if its details have one. */
export function checkpointHint(details: unknown): CheckpointRecord | null {
  const c = (details as { checkpoint?: Partial<CheckpointRecord> } | undefined)?.checkpoint;
  if (!c || !Number.isSafeInteger(c.step) || typeof c.path !== 'string' || typeof c.digest !== 'string') return null;
  return { step: c.step!, path: c.path, digest: c.digest };
}
