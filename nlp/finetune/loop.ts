// The fine-tuning loop: epochs over the training split in a seeded order (every example once per epoch), one AdamW
// update per batch, validation passes with early stopping that keeps the best weights, checkpoints, and a clean
// stop (checkpoint first) when asked. No Temporal here: progress, checkpoints and stop requests go through callbacks.
import { CorruptCheckpointError } from '../training/checkpoint-error';
import type { Permutation } from '../bert/data-order';
import { MetricsLog } from '../bert/metrics-log';
import { AdamW } from '../bert/optimizer';
import { CounterRng } from '../bert/rng';
import { importTrainingState } from '../bert/state';
import type { CheckpointSink } from '../bert/train-loop';
import { TrainingDivergedError } from '../bert/train-loop';
import { epochPermutation } from '../pretraining-data/reader';
import { collate } from './batch';
import { encodeFinetuneCheckpoint, type FinetuneCheckpoint, type FinetuneLoopState } from './checkpoint';
import { stepsPerEpoch, type FinetuneConfig } from './config';
import type { EncodedExample } from './examples';
import { disposeClassifierModel, restoreWeights, snapshotWeights, trainedView, type ClassifierModel } from './model';
import { evaluateExamples } from './predict';
import { addStep, emptyFinetuneWindow, trainRecord, type FinetuneEvalRecord, type FinetuneRecord } from './records';
import { finetuneStep } from './step';

export interface FinetuneProgress {
  step: number;
  total: number;
  epoch: number; // epochs completed, fractional
  loss: number; // of this step
  learning_rate: number;
  examples_per_sec: number; // of this step
  tokens_per_sec: number; // of this step, padding included (what the CLI shows for every training step)
  backend?: string; // the TF.js backend, added by the training thread
}

export interface FinetuneLoopOptions<R> {
  config: FinetuneConfig;
  /** The encoder (pretrained or fresh) with a new head; owned by the loop: returned trained, or disposed on failure. */
  model: ClassifierModel;
  train: readonly EncodedExample[];
  validation: readonly EncodedExample[];
  padId: number;
  /** Epoch e visits the training examples in permutation(n, seed, e) order; default: the pretraining data's. */
  permutation?: Permutation;
  /** JSONL metrics; kept across attempts (cut back to the resumed step). */
  metricsFile: string;
  checkpoints: CheckpointSink<R>;
  resume?: FinetuneCheckpoint | null;
  onProgress?(progress: FinetuneProgress): void;
  onCheckpoint?(record: R, step: number): void;
  /** Asked between steps; true: checkpoint, then return with status 'stopped'. */
  shouldStop?(): boolean;
  log?(message: string): void;
}

export interface FinetuneResult<R> {
  status: 'completed' | 'stopped';
  step: number;
  total: number;
  stoppedEarly: boolean;
  /** Completed: holding the best-on-validation weights. The caller disposes it. */
  model: ClassifierModel;
  best: FinetuneEvalRecord | null;
  state: FinetuneLoopState;
  lastCheckpoint: R | null;
  resumedFrom: number | null;
}

function freshState(): FinetuneLoopState {
  const cursor = { epoch: 0, batch: 0 };
  return { step: 0, cursor, window: emptyFinetuneWindow(), elapsed_ms: 0, last_train: null, last_eval: null, best: null, evals_since_best: 0, stopped_early: false };
}

/** Better by the early-stopping metric; equal accuracy falls back to loss, so ties on small splits still move on. */
function improves(e: FinetuneEvalRecord, best: FinetuneEvalRecord | null, metric: 'accuracy' | 'loss'): boolean {
  if (!best) return true;
  if (metric === 'loss') return e.loss < best.loss;
  return e.accuracy > best.accuracy || (e.accuracy === best.accuracy && e.loss < best.loss);
}

export async function runFinetuning<R>(options: FinetuneLoopOptions<R>): Promise<FinetuneResult<R>> {
  const { config, model, train, validation, resume } = options;
  const cfg = config.training;
  const log = options.log ?? (() => {});
  const permutation = options.permutation ?? epochPermutation;
  const perEpoch = stepsPerEpoch(train.length, cfg.batch_size);
  const total = cfg.epochs * perEpoch;
  const optimizer = new AdamW(model.variables, config.optimizer);
  let metrics: MetricsLog<FinetuneRecord> | undefined;
  try {
    let rng = CounterRng.fromSeed(cfg.seed, 'finetune/dropout');
    let loop = freshState();
    let best: Map<string, Float32Array> | null = null;
    if (resume) {
      const { rngState } = importTrainingState(trainedView(model), optimizer, resume.training);
      if (!rngState.dropout) throw new CorruptCheckpointError('checkpoint has no dropout RNG state');
      if (resume.loop.step > total) throw new CorruptCheckpointError(`checkpoint is at step ${resume.loop.step}, beyond the ${total} steps configured`);
      rng = new CounterRng(rngState.dropout);
      loop = structuredClone(resume.loop);
      best = resume.best;
      log(`resuming at step ${loop.step} of ${total} (epoch ${loop.cursor.epoch + 1}, batch ${loop.cursor.batch + 1} of ${perEpoch})`);
    }
    const metricsLog = new MetricsLog<FinetuneRecord>(options.metricsFile, loop.step);
    metrics = metricsLog;
    const started = performance.now();
    const baseMs = loop.elapsed_ms;
    const elapsedMs = (): number => baseMs + performance.now() - started;
    const epochsDone = (step: number): number => Math.round((step / perEpoch) * 1000) / 1000;
    let lastCheckpoint: R | null = null;
    let checkpointedStep = resume ? loop.step : -1;

    const checkpoint = async (): Promise<void> => {
      metricsLog.sync();
      loop.elapsed_ms = elapsedMs();
      const files = encodeFinetuneCheckpoint(model, optimizer, { dropout: rng.state() }, loop, config, best);
      lastCheckpoint = await options.checkpoints.save(loop.step, files);
      checkpointedStep = loop.step;
      options.onCheckpoint?.(lastCheckpoint, loop.step);
    };

    const evaluate = async (): Promise<FinetuneEvalRecord> => {
      const e = await evaluateExamples(model, validation, { batchSize: cfg.batch_size, padId: options.padId });
      const record: FinetuneEvalRecord = {
        split: 'validation',
        step: loop.step,
        epoch: epochsDone(loop.step),
        loss: e.loss,
        accuracy: e.accuracy,
        macro_f1: e.macro_f1,
        examples: e.examples,
        best: false,
        elapsed: Math.round(elapsedMs()) / 1000,
      };
      record.best = improves(record, loop.best, cfg.early_stopping.metric);
      if (record.best) {
        loop.best = record;
        loop.evals_since_best = 0;
        best = snapshotWeights(model);
      } else {
        loop.evals_since_best += 1;
        const patience = cfg.early_stopping.patience;
        if (patience > 0 && loop.evals_since_best >= patience && loop.step < total) loop.stopped_early = true;
      }
      loop.last_eval = record;
      log(`step ${loop.step}: validation accuracy ${e.accuracy.toFixed(4)}, loss ${e.loss.toFixed(4)}${record.best ? ' (best so far)' : ''}`);
      return record;
    };

    const result = (status: FinetuneResult<R>['status']): FinetuneResult<R> => ({
      status,
      step: loop.step,
      total,
      stoppedEarly: loop.stopped_early,
      model,
      best: loop.best,
      state: loop,
      lastCheckpoint,
      resumedFrom: resume ? resume.loop.step : null,
    });

    let order: { epoch: number; indices: Uint32Array } | undefined;
    while (loop.step < total && !loop.stopped_early) {
      if (options.shouldStop?.()) {
        if (loop.step > checkpointedStep && loop.step > 0) await checkpoint();
        log(`stopped at step ${loop.step}`);
        return result('stopped');
      }
      const { epoch, batch: index } = loop.cursor;
      if (order?.epoch !== epoch) order = { epoch, indices: permutation(train.length, cfg.seed, epoch) };
      const indices = order.indices.subarray(index * cfg.batch_size, (index + 1) * cfg.batch_size);
      const batch = collate(Array.from(indices, (i) => train[i]!), options.padId);
      const t0 = performance.now();
      const m = finetuneStep(model, optimizer, batch, rng);
      const ms = performance.now() - t0;
      if (!Number.isFinite(m.loss)) throw new TrainingDivergedError(loop.step + 1, m.loss, m.learningRate);
      loop.step += 1;
      loop.cursor = index + 1 < perEpoch ? { epoch, batch: index + 1 } : { epoch: epoch + 1, batch: 0 };
      addStep(loop.window, m, batch.batchSize, ms);
      const step = loop.step;
      options.onProgress?.({
        step,
        total,
        epoch: epochsDone(step),
        loss: m.loss,
        learning_rate: m.learningRate,
        examples_per_sec: ms > 0 ? Math.round((batch.batchSize / ms) * 1000 * 10) / 10 : 0,
        tokens_per_sec: ms > 0 ? Math.round(((batch.batchSize * batch.seqLength) / ms) * 1000) : 0,
      });
      const evalDue = validation.length > 0 && (step === total || (cfg.eval_every > 0 ? step % cfg.eval_every === 0 : loop.cursor.batch === 0));
      const evaluation = evalDue ? await evaluate() : null;
      if (step % cfg.log_every === 0 || step === total || loop.stopped_early) {
        const record = trainRecord(loop.window, step, epochsDone(step), elapsedMs() / 1000);
        metricsLog.append(record);
        loop.last_train = record;
        loop.window = emptyFinetuneWindow();
      }
      if (evaluation) metricsLog.append(evaluation);
      if (loop.stopped_early) log(`early stopping at step ${step}: no improvement in ${loop.evals_since_best} evaluations since step ${loop.best?.step}`);
      if (step % cfg.checkpoint_every === 0 && step < total && !loop.stopped_early) await checkpoint();
    }
    // The end: a final checkpoint (unless resumed from it), then the best weights go back in.
    if (checkpointedStep !== loop.step) await checkpoint();
    if (best) restoreWeights(model, best);
    return result('completed');
  } catch (error) {
    disposeClassifierModel(model);
    throw error;
  } finally {
    metrics?.close();
    optimizer.dispose();
  }
}
