// The activity side of a training step, shared by bert/pretrain and bert/finetune: heartbeats that carry progress
// and the newest checkpoint, log lines, and cancellation that checkpoints before the step stops.
import type { Json } from '../contract/json';
import type { TrainingHooks, TrainingSignals } from '../nlp/training/thread-runner';
import type { CheckpointRecord } from '../store/checkpoints';
import type { CheckpointSync } from '../store/remote/checkpoint-mirror';
import type { ActivityDeps } from './deps';
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
  /** The shared store's mirror of the checkpoint roots: this run's, then those of the runs it resumes. */
  mirrors: CheckpointSync[] = [],
): Promise<R> {
  const beat = (): void => step.heartbeat({ ...heartbeat });
  const stopBeating = step.keepAlive(() => ({ ...heartbeat }));
  // Uploads run one after another beside the training; the step ends only when the last has finished.
  let uploads: Promise<void> = Promise.resolve();
  try {
    for (const mirror of mirrors) await mirror.pull();
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
          const mirror = mirrors[0];
          if (mirror) {
            // A failed upload is not the step's failure: the next checkpoint goes up again, with the registry.
            uploads = uploads.then(() => mirror.push(checkpoint)).catch((error: unknown) => step.log(`warning: checkpoint at step ${checkpoint.step} not uploaded to the shared store: ${(error as Error).message}`));
          }
        },
        log: step.log,
      },
      cancellationSignals(step.signal),
    );
    await uploads;
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

/** The shared store's mirrors of a training job's checkpoint roots (none without one): its own first. */
export function checkpointMirrors(deps: Pick<ActivityDeps, 'checkpoints'>, job: { checkpointDir: string; earlierDirs: string[] }): CheckpointSync[] {
  const sync = deps.checkpoints.sync?.bind(deps.checkpoints);
  return sync ? [job.checkpointDir, ...job.earlierDirs].map((root) => sync(root)) : [];
}
