// The activity side of a training step, shared by bert/pretrain and bert/finetune: heartbeats that carry progress
// and the newest checkpoint, log lines, and cancellation that checkpoints before the step stops.
import { Context } from '@temporalio/activity';

import type { Json } from '../compiler/types';
import type { TrainingHooks, TrainingSignals } from '../nlp/bert/training-runner';
import type { CheckpointRecord } from '../store/checkpoints';
import { cancellationSignals } from './training-signals';
import type { ActivityDeps } from './deps';
import { HEARTBEAT_EVERY_MS } from './progress';

/** What every training heartbeat carries; a retry reads `checkpoint` back from activityInfo().heartbeatDetails. */
export interface TrainingHeartbeat {
  [key: string]: Json;
  step: number;
  total: number;
  checkpoint: CheckpointRecord | null;
}

interface ThreadEnd {
  status: 'completed' | 'stopped';
  step: number;
  lastCheckpoint: CheckpointRecord | null;
}

/**
 * Runs a training thread under the activity: every progress report and checkpoint heartbeats (the SDK throttles
 * what reaches the server and delivers cancellation in reply), and a timer keeps heartbeating while the thread
 * starts, verifies checkpoints or evaluates. A stopped thread (cancellation, shutdown) rethrows the cancellation
 * after its checkpoint. `progress` maps the thread's progress onto heartbeat fields.
 */
export async function superviseTraining<H extends TrainingHeartbeat, P, R extends ThreadEnd>(
  deps: ActivityDeps,
  stepId: string,
  heartbeat: H,
  progress: (p: P) => Partial<H>,
  start: (hooks: TrainingHooks<P>, signals: TrainingSignals) => Promise<R>,
): Promise<R> {
  const context = Context.current();
  const beat = (): void => context.heartbeat({ ...heartbeat });
  beat();
  const timer = setInterval(beat, HEARTBEAT_EVERY_MS);
  try {
    const result = await start(
      {
        onProgress: (p) => {
          Object.assign(heartbeat, progress(p));
          beat();
        },
        onCheckpoint: (checkpoint) => {
          heartbeat.checkpoint = checkpoint;
          beat();
          deps.log(`${stepId}: checkpoint at step ${checkpoint.step}: ${checkpoint.path} (${checkpoint.digest})`);
        },
        log: (message) => deps.log(`${stepId}: ${message}`),
      },
      cancellationSignals(context.cancellationSignal),
    );
    if (result.status === 'stopped') {
      heartbeat.step = result.step;
      beat();
      const checkpoint = result.lastCheckpoint?.path ?? heartbeat.checkpoint?.path ?? 'none';
      deps.log(`${stepId}: stopped at step ${result.step} (cancelled); checkpoint ${checkpoint}`);
      throw context.cancellationSignal.reason;
    }
    return result;
  } finally {
    clearInterval(timer);
  }
}
