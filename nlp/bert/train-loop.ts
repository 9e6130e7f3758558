// The pretraining loop: deterministic batches, one AdamW update per step, a metrics line every
// `log_every` steps, validation passes, checkpoints, and a clean stop (checkpoint first) when asked.
// No Temporal here: progress, checkpoints and stop requests go through callbacks.
import { CorruptCheckpointError } from '../training/checkpoint-error';
import { DataOrder, START, type BatchSource, type Permutation } from './data-order';
import { evaluatePretraining } from './evaluate';
import { MetricsLog, type EvalRecord, type TrainRecord } from './metrics-log';
import { addToWindow, emptyWindow, windowRecord } from './metrics-window';
import { createBertModel, disposeBertModel, type BertModel } from './model';
import { AdamW } from './optimizer';
import { CounterRng } from './rng';
import { importTrainingState } from './state';
import { computedOnChange, encodeCheckpoint, type ComputedOn, type LoopState, type PretrainCheckpoint } from './train-checkpoint';
import type { PretrainConfig } from './train-config';
import { trainStep } from './train-step';

/** The loss stopped being a number: retrying repeats it exactly, the config must change. */
export class TrainingDivergedError extends Error {
  constructor(
    readonly step: number,
    loss: number,
    readonly learningRate: number,
  ) {
    super(`training diverged at step ${step}: loss is ${loss} (learning rate ${learningRate})`);
    this.name = 'TrainingDivergedError';
  }
}

export interface TrainProgress {
  step: number;
  total: number;
  epoch: number;
  loss: number; // of this step
  learning_rate: number;
  tokens_per_sec: number; // of this step
  backend?: string; // the TF.js backend, added by the training thread
}

/** Where checkpoints go; `R` is whatever the sink reports (the store's CheckpointRecord). */
export interface CheckpointSink<R> {
  save(step: number, files: ReadonlyMap<string, Uint8Array>): Promise<R>;
}

export interface PretrainLoopOptions<R> {
  config: PretrainConfig;
  train: BatchSource;
  validation?: BatchSource | null;
  permutation: Permutation;
  /** JSONL metrics; kept across attempts (it is cut back to the resumed step). */
  metricsFile: string;
  checkpoints: CheckpointSink<R>;
  /** A decoded checkpoint to continue from. */
  resume?: PretrainCheckpoint | null;
  onProgress?(progress: TrainProgress): void;
  onCheckpoint?(record: R, step: number): void;
  /** Asked between steps; true: checkpoint, then return with status 'stopped'. */
  shouldStop?(): boolean;
  log?(message: string): void;
  /** Recorded in every checkpoint, and compared on resume (bit-exact resume needs the same). */
  computedOn?: ComputedOn;
}

export interface PretrainResult<R> {
  status: 'completed' | 'stopped';
  step: number;
  /** The trained model; the caller disposes it (disposeBertModel). */
  model: BertModel;
  lastTrain: TrainRecord | null;
  finalEval: EvalRecord | null;
  lastCheckpoint: R | null;
  resumedFrom: number | null;
}

function freshLoopState(): LoopState {
  return { step: 0, cursor: { ...START }, window: emptyWindow(), elapsed_ms: 0, last_train: null, last_eval: null };
}

export async function runPretraining<R>(options: PretrainLoopOptions<R>): Promise<PretrainResult<R>> {
  const { config, train, validation, resume } = options;
  const cfg = config.training;
  const log = options.log ?? (() => {});
  const model = createBertModel(config.model, cfg.seed);
  const optimizer = new AdamW(model.variables, config.optimizer);
  let metrics: MetricsLog | undefined;
  try {
    let rng = CounterRng.fromSeed(cfg.seed, 'dropout');
    let loop = freshLoopState();
    if (resume) {
      const { rngState } = importTrainingState(model, optimizer, resume.training);
      if (!rngState.dropout) throw new CorruptCheckpointError('checkpoint has no dropout RNG state');
      if (resume.loop.step > cfg.steps) {
        throw new CorruptCheckpointError(`checkpoint is at step ${resume.loop.step}, beyond the ${cfg.steps} steps configured`);
      }
      rng = new CounterRng(rngState.dropout);
      loop = structuredClone(resume.loop);
      log(`resuming at step ${loop.step} of ${cfg.steps} (epoch ${loop.cursor.epoch}, offset ${loop.cursor.offset})`);
      const change = computedOnChange(resume.loop.computed_on, options.computedOn);
      if (change) log(change);
    }
    const metricsLog = new MetricsLog(options.metricsFile, loop.step);
    metrics = metricsLog;
    const order = new DataOrder(options.permutation, train.instances, cfg.batch_size, cfg.seed);
    const started = performance.now();
    const baseMs = loop.elapsed_ms;
    const elapsedMs = (): number => baseMs + performance.now() - started;
    let lastCheckpoint: R | null = null;
    let checkpointedStep = resume ? loop.step : -1;

    const checkpoint = async (): Promise<void> => {
      metricsLog.sync();
      loop.elapsed_ms = elapsedMs();
      if (options.computedOn) loop.computed_on = options.computedOn;
      const files = encodeCheckpoint(model, optimizer, { dropout: rng.state() }, loop, config);
      lastCheckpoint = await options.checkpoints.save(loop.step, files);
      checkpointedStep = loop.step;
      options.onCheckpoint?.(lastCheckpoint, loop.step);
    };

    const evaluate = async (): Promise<void> => {
      if (!validation) return;
      const e = await evaluatePretraining(model, validation, { batchSize: cfg.batch_size, maxBatches: cfg.eval_batches });
      if (!e) return;
      const record: EvalRecord = { split: 'validation', step: loop.step, ...e, elapsed: Math.round(elapsedMs()) / 1000 };
      metricsLog.append(record);
      loop.last_eval = record;
      log(`step ${loop.step}: validation mlm_accuracy ${e.mlm_accuracy.toFixed(4)}, perplexity ${e.perplexity.toFixed(2)}`);
    };

    const result = (status: PretrainResult<R>['status']): PretrainResult<R> => ({
      status,
      step: loop.step,
      model,
      lastTrain: loop.last_train,
      finalEval: status === 'completed' ? loop.last_eval : null,
      lastCheckpoint,
      resumedFrom: resume ? resume.loop.step : null,
    });

    while (loop.step < cfg.steps) {
      if (options.shouldStop?.()) {
        if (loop.step > checkpointedStep && loop.step > 0) await checkpoint();
        log(`stopped at step ${loop.step}`);
        return result('stopped');
      }
      const { indices, next } = order.next(loop.cursor);
      const batch = await train.readBatch(indices);
      const t0 = performance.now();
      const m = trainStep(model, optimizer, batch, rng);
      const ms = performance.now() - t0;
      if (!Number.isFinite(m.loss)) throw new TrainingDivergedError(loop.step + 1, m.loss, m.learningRate);
      loop.step += 1;
      loop.cursor = next;
      const tokens = batch.batchSize * batch.seqLength;
      addToWindow(loop.window, m, tokens, ms);
      const step = loop.step;
      options.onProgress?.({
        step,
        total: cfg.steps,
        epoch: next.epoch,
        loss: m.loss,
        learning_rate: m.learningRate,
        tokens_per_sec: ms > 0 ? Math.round((tokens / ms) * 1000) : 0,
      });
      if (step % cfg.log_every === 0 || step === cfg.steps) {
        const record = windowRecord(loop.window, step, elapsedMs() / 1000);
        metricsLog.append(record);
        loop.last_train = record;
        loop.window = emptyWindow();
      }
      if (cfg.eval_every > 0 && step % cfg.eval_every === 0 && step < cfg.steps) await evaluate();
      if (step % cfg.checkpoint_every === 0 && step < cfg.steps) await checkpoint();
    }
    // The end: a final validation pass and checkpoint, unless a resumed-from checkpoint already has them.
    if (loop.last_eval?.step !== loop.step) await evaluate();
    if (checkpointedStep !== loop.step) await checkpoint();
    return result('completed');
  } catch (error) {
    disposeBertModel(model);
    throw error;
  } finally {
    metrics?.close();
    optimizer.dispose();
  }
}
