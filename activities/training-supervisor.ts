// The activity side of a training step, shared by bert/pretrain and bert/finetune: heartbeats that carry progress
// and the newest checkpoint, log lines, and cancellation that checkpoints before the step stops.
import type { Json } from '../contract/json';
import type { TrainingHooks, TrainingSignals } from '../nlp/training/thread-runner';
import type { CheckpointRecord } from '../store/checkpoints';
import type { StepContext } from './step';
import { cancellationSignals } from './training-signals';

/** What every training heartbeat carries; a retry reads `checkpoint` back from its `step.lastHeartbeat`. */
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
  step: StepContext,
  heartbeat: H,
  progress: (p: P) => Partial<H>,
  start: (hooks: TrainingHooks<P>, signals: TrainingSignals) => Promise<R>,
): Promise<R> {
  const beat = (): void => step.heartbeat({ ...heartbeat });
  const stopBeating = step.keepAlive(() => ({ ...heartbeat }));
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
          step.log(`checkpoint at step ${checkpoint.step}: ${checkpoint.path} (${checkpoint.digest})`);
        },
        log: step.log,
      },
      cancellationSignals(step.signal),
    );
    if (result.status === 'stopped') {
      heartbeat.step = result.step;
      beat();
      const checkpoint = result.lastCheckpoint?.path ?? heartbeat.checkpoint?.path ?? 'none';
      step.log(`stopped at step ${result.step} (cancelled); checkpoint ${checkpoint}`);
      throw step.signal.reason;
    }
    return result;
  } finally {
    stopBeating();
  }
}
