// The fine-tuning worker thread (started by runner.ts through nlp/training/thread-runner.ts): tokenises the splits,
// builds the classifier on a pretrained or fresh encoder, trains with checkpoints, and writes the classifier
// directory. Reports by ThreadMessages; reads its stop request from shared memory, like the pretraining thread.
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';

import type { Json } from '../../contract/json';
import { CheckpointStore, type CheckpointRecord } from '../../store/checkpoints';
import { describeBackend, initBackend } from '../backend';
import { findCheckpoint } from '../training/find-checkpoint';
import { createBertModel } from '../bert/model';
import { bertModelFromSaved, loadSavedModel, SavedModelError } from '../bert/saved-model';
import { classifyFailure } from '../bert/training-failures';
import { METRICS_FILE, type ThreadFailure, type ThreadMessage } from '../training/thread-messages';
import { DatasetInputError } from '../dataset/errors';
import { loadTokenizer } from '../tokenizer/tokenizer';
import { stepsPerEpoch } from './config';
import { readFinetuneData } from './data';
import { absentLabels, encodeExamples, FinetuneDataError } from './examples';
import type { FinetuneJob, FinetuneThreadResult } from './job';
import { runFinetuning, type FinetuneProgress } from './loop';
import { createClassifierModel, disposeClassifierModel } from './model';
import { withoutTiming } from './records';
import { saveClassifier } from './saved-classifier';
import { decodeFinetuneCheckpoint } from './checkpoint';

function post(message: ThreadMessage<FinetuneThreadResult, FinetuneProgress>): void {
  parentPort!.postMessage(message);
}

function classify(error: unknown): ThreadFailure {
  if (error instanceof FinetuneDataError || error instanceof DatasetInputError || error instanceof SavedModelError) {
    return { kind: 'InvalidInput', name: error.name, message: error.message, hint: error.hint };
  }
  return classifyFailure(error);
}

async function finetune(job: FinetuneJob, stopFlag: Int32Array): Promise<FinetuneThreadResult> {
  const log = (message: string): void => post({ type: 'log', message });
  const { config } = job;
  const cfg = config.training;
  const backend = await initBackend(cfg.backend);
  log(`backend ${describeBackend(backend)}`);
  const tokenizer = await loadTokenizer(job.tokenizerDir);
  const data = await readFinetuneData(job);
  if (data.labels.names.length !== config.num_labels) {
    throw new FinetuneDataError(`${job.labelsFile} has ${data.labels.names.length} labels, the config ${config.num_labels}`, 'the labels file changed; rerun the step');
  }
  const absent = absentLabels(data.train, data.labels.names);
  if (absent.length > 0) log(`warning: no training examples of label(s) ${absent.join(', ')}; the classifier cannot learn them`);
  const train = encodeExamples(tokenizer, cfg.max_seq_length, data.train);
  const validation = encodeExamples(tokenizer, cfg.max_seq_length, data.validation);

  const store = new CheckpointStore(job.checkpointDir, { keep: cfg.keep_checkpoints, log });
  const latest = await findCheckpoint(job, store, log);
  const base = job.baseModelDir ? await loadSavedModel(job.baseModelDir) : undefined;
  const bert = base ? bertModelFromSaved(base) : createBertModel(config.model, cfg.seed);
  const result = await runFinetuning<CheckpointRecord>({
    config,
    model: createClassifierModel(bert, config.num_labels, cfg.seed),
    train,
    validation,
    padId: tokenizer.specialIds.pad,
    metricsFile: path.join(job.checkpointDir, METRICS_FILE),
    checkpoints: { save: (step, files) => store.save(step, files, job.identity) },
    resume: latest ? decodeFinetuneCheckpoint(latest.files) : null,
    onProgress: (progress) => post({ type: 'progress', progress: { ...progress, backend: backend.name } }),
    onCheckpoint: (checkpoint) => post({ type: 'checkpoint', checkpoint }),
    shouldStop: () => Atomics.load(stopFlag, 0) !== 0,
    log,
  });
  try {
    if (result.status === 'completed') {
      const epochs = Math.round((result.step / stepsPerEpoch(train.length, cfg.batch_size)) * 1000) / 1000;
      await saveClassifier(job.modelDir, result.model, {
        tokenizerDir: job.tokenizerDir,
        labelsFile: job.labelsFile,
        classifier: { num_labels: config.num_labels, labels: data.labels.names, max_seq_length: cfg.max_seq_length, name: job.name },
        // A sentence-transformers encoder keeps its embedding (serving's embed); BERT's [CLS] needs no entry.
        ...(base?.pooling.mode === 'mean' || base?.pooling.normalize ? { pooling: base.pooling } : {}),
        kiln: { type: 'bert/finetune@v1', steps: result.step, seed: cfg.seed, from_scratch: config.from_scratch, ...job.lineage },
        card: {
          steps: result.step,
          epochs,
          stopped_early: result.stoppedEarly,
          best_step: result.best?.step ?? null,
          seed: cfg.seed,
          backend: backend.name,
          labels: data.labels.names,
          metrics: { validation: withoutTiming(result.best), train: withoutTiming(result.state.last_train) } as { [key: string]: Json },
          lineage: job.lineage,
        },
      });
    }
  } finally {
    disposeClassifierModel(result.model);
  }
  const { status, step, total, stoppedEarly, resumedFrom, lastCheckpoint, best } = result;
  return { status, step, total, stoppedEarly, backend, resumedFrom, lastCheckpoint, best, lastTrain: result.state.last_train };
}

const { job, stop } = workerData as { job: FinetuneJob; stop: SharedArrayBuffer };
finetune(job, new Int32Array(stop)).then(
  (result) => post({ type: 'done', result }),
  (error: unknown) => post({ type: 'error', failure: classify(error) }),
);
