// The training worker thread: runs the whole pretraining loop off the activity's event loop, so heartbeats,
// cancellation and task polling stay responsive. Started by training-runner.ts; reports by messages and
// reads its stop request from shared memory (Atomics), which it sees even while its own event loop is busy.
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';

import type { Json } from '../../contract/json';
import { CheckpointStore, type CheckpointRecord } from '../../store/checkpoints';
import { describeBackend, initBackend } from '../backend';
import { epochPermutation, openPretrainingData } from '../pretraining-data/reader';
import { findCheckpoint } from '../training/find-checkpoint';
import type { EvalRecord, TrainRecord } from './metrics-log';
import { disposeBertModel } from './model';
import { saveBertModel } from './saved-model';
import { decodeCheckpoint } from './train-checkpoint';
import { runPretraining, type TrainProgress } from './train-loop';
import { classifyFailure } from './training-failures';
import { METRICS_FILE, type ThreadMessage } from '../training/thread-messages';
import { type TrainingJob, type TrainingThreadResult } from './training-job';

interface ThreadData {
  job: TrainingJob;
  /** Int32Array over it: [0] becomes 1 when the activity asks training to stop. */
  stop: SharedArrayBuffer;
}

function post(message: ThreadMessage<TrainingThreadResult, TrainProgress>): void {
  parentPort!.postMessage(message);
}

/** Wall-clock fields differ between identical runs; the saved model leaves them out so its digest does not. */
function withoutTiming(record: TrainRecord | EvalRecord | null): Json {
  if (!record) return null;
  const { elapsed: _elapsed, ...rest } = record as TrainRecord;
  delete (rest as Partial<TrainRecord>).tokens_per_sec;
  return rest as unknown as Json;
}

async function train(job: TrainingJob, stopFlag: Int32Array): Promise<TrainingThreadResult> {
  const log = (message: string): void => post({ type: 'log', message });
  const backend = await initBackend(job.config.training.backend);
  log(`backend ${describeBackend(backend)}`);
  const data = await openPretrainingData(job.dataDir);
  try {
    const store = new CheckpointStore(job.checkpointDir, { keep: job.config.training.keep_checkpoints, log });
    const latest = await findCheckpoint(job, store, log);
    const metricsFile = path.join(job.checkpointDir, METRICS_FILE);
    const validation = data.split('validation');
    const result = await runPretraining<CheckpointRecord>({
      config: job.config,
      train: data.split('train'),
      validation: validation.instances > 0 ? validation : null,
      permutation: epochPermutation,
      metricsFile,
      checkpoints: { save: (step, files) => store.save(step, files, job.identity) },
      resume: latest ? decodeCheckpoint(latest.files) : null,
      onProgress: (progress) => post({ type: 'progress', progress: { ...progress, backend: backend.name } }),
      onCheckpoint: (checkpoint) => post({ type: 'checkpoint', checkpoint }),
      shouldStop: () => Atomics.load(stopFlag, 0) !== 0,
      log,
      computedOn: { backend: backend.name, threads: backend.threads },
    });
    try {
      if (result.status === 'completed') {
        const seed = job.config.training.seed;
        await saveBertModel(job.modelDir, result.model, {
          tokenizerDir: job.tokenizerDir,
          kiln: { type: 'bert/pretrain@v1', steps: result.step, seed, ...job.lineage },
          card: {
            steps: result.step,
            seed,
            backend: backend.name,
            metrics: { train: withoutTiming(result.lastTrain), validation: withoutTiming(result.finalEval) },
            lineage: job.lineage,
          },
        });
      }
    } finally {
      disposeBertModel(result.model);
    }
    const { status, step, resumedFrom, lastCheckpoint, lastTrain, finalEval } = result;
    return { status, step, backend, resumedFrom, lastCheckpoint, lastTrain, finalEval };
  } finally {
    await data.close();
  }
}

const { job, stop } = workerData as ThreadData;
train(job, new Int32Array(stop)).then(
  (result) => post({ type: 'done', result }),
  (error: unknown) => post({ type: 'error', failure: classifyFailure(error) }),
);
