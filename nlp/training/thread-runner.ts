// The activity's side of the training thread: starts it, relays its progress and checkpoints, asks it to
// stop (it checkpoints first) when the signal aborts, and turns its end into a result or a typed error.
import { Worker } from 'node:worker_threads';

import type { CheckpointRecord } from '../../store/checkpoints';
import { prepareNativeEnvironment } from '../native-env';
import { TrainingThreadError, type ThreadMessage } from './thread-messages';

export interface TrainingHooks<P> {
  onProgress?(progress: P): void;
  onCheckpoint?(checkpoint: CheckpointRecord): void;
  log?(message: string): void;
}

const BOOT = new URL('./thread-boot.mjs', import.meta.url);

export interface TrainingSignals {
  /** Checkpoint at the next step boundary, then resolve with status 'stopped'. */
  stop?: AbortSignal;
  /** End the thread at once, without a checkpoint (another attempt owns the checkpoints now); rejects with the reason. */
  abandon?: AbortSignal;
}

/**
 * Runs `job` in a worker thread whose module is `entry` (pretraining's nlp/bert/training-thread.ts, fine-tuning's
 * nlp/finetune/thread.ts): it reads `job` from workerData and posts ThreadMessages. Rejects with
 * TrainingThreadError (kind InvalidInput, CorruptCheckpoint or Error) when training fails or the thread dies.
 */
export function runTrainingThread<J, R, P>(entry: string, job: J, hooks: TrainingHooks<P> = {}, signals: TrainingSignals = {}): Promise<R> {
  const { stop: stopSignal, abandon } = signals;
  const stop = new SharedArrayBuffer(4);
  const flag = new Int32Array(stop);
  const requestStop = (): void => {
    Atomics.store(flag, 0, 1);
  };
  if (stopSignal?.aborted) requestStop();
  stopSignal?.addEventListener('abort', requestStop, { once: true });
  prepareNativeEnvironment(); // before the thread loads TensorFlow: only this thread's env reaches the C library
  // execArgv [] : the parent's --import flags (tsx) do not apply to threads; the boot file registers tsx itself.
  const worker = new Worker(BOOT, { workerData: { entry, job, stop }, execArgv: [] });
  return new Promise<R>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      stopSignal?.removeEventListener('abort', requestStop);
      abandon?.removeEventListener('abort', onAbandon);
      outcome();
      void worker.terminate();
    };
    const onAbandon = (): void => finish(() => reject(abandon!.reason));
    if (abandon?.aborted) return onAbandon();
    abandon?.addEventListener('abort', onAbandon, { once: true });
    worker.on('message', (message: ThreadMessage<R, P>) => {
      switch (message.type) {
        case 'progress':
          return hooks.onProgress?.(message.progress);
        case 'checkpoint':
          return hooks.onCheckpoint?.(message.checkpoint);
        case 'log':
          return hooks.log?.(message.message);
        case 'done':
          return finish(() => resolve(message.result));
        case 'error':
          return finish(() => reject(new TrainingThreadError(message.failure)));
      }
    });
    worker.on('error', (error) => {
      finish(() => reject(new TrainingThreadError({ kind: 'Error', name: error.name, message: `training thread crashed: ${error.stack ?? error.message}` })));
    });
    worker.on('exit', (code) => {
      finish(() => reject(new TrainingThreadError({ kind: 'Error', name: 'Error', message: `training thread exited with code ${code} before finishing` })));
    });
  });
}
