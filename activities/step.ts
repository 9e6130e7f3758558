// The wrapper every step type runs in. The step's code gets its input, its dependencies, progress heartbeats,
// cancellation and staging directories; the wrapper puts the attempt into the result, removes the staging
// directories however the step ends, and turns what the step throws into the failure Temporal records.
import fs from 'node:fs/promises';

import { Context } from '@temporalio/activity';

import type { StepInput, StepResult } from '../compiler/types';
import type { ActivityDeps, StepActivity } from './deps';
import { failureLeaving } from './failure-kinds';

/** How often a step reports progress: often enough for live views, far below any heartbeat timeout. */
export const HEARTBEAT_EVERY_MS = 1_000;

/** What one attempt of a step gets. */
export interface StepContext {
  input: StepInput;
  deps: ActivityDeps;
  attempt: number;
  /** What the previous attempt's last heartbeat carried: training finds the checkpoint to resume from there. */
  lastHeartbeat: unknown;
  /** Aborted when the activity is cancelled; its reason is the CancelledFailure. */
  signal: AbortSignal;
  /** Heartbeats progress for live views, at most once a second. */
  progress: (details: unknown) => void;
  /** As `progress`, and throws the cancellation at the next report: for library code with no abort signal. */
  progressOrStop: (details: unknown) => void;
  /** Heartbeats at once (the SDK throttles what reaches the server). */
  heartbeat: (details?: unknown) => void;
  /**
   * Heartbeats `details()` now and every `everyMs` until the returned stop is called or the step ends, so that
   * a phase that reports nothing (starting a server, loading a model) stays within its heartbeat timeout.
   */
  keepAlive: (details: () => unknown, everyMs?: number) => () => void;
  /** A new directory in the store's staging area, removed when the step ends, however it ends. */
  staging: (label: string) => Promise<string>;
  /** A line in the worker's log, naming the step. */
  log: (message: string) => void;
  /** Sets a search attribute on the run when the step succeeds (model/deploy: `KilnModel` = `name:version`). */
  label: (name: string, value: string) => void;
}

export type StepOutputs = StepResult['outputs'];

/** A step's result before the wrapper adds the attempt. */
export type StepOutcome = Omit<StepResult, 'attempt'>;

/** Runs a step's code, or stands in for it: input verification and the step cache (cached-step.ts). */
export type StepLayer = (input: StepInput, run: (input: StepInput) => Promise<StepOutcome>) => Promise<StepOutcome>;

/** A step type, made into an activity for the worker's dependencies; the registry holds these. */
export type StepType = (deps: ActivityDeps, layer?: StepLayer) => StepActivity;

/**
 * A step type from its code and `toFailure`, which turns its library's errors into Temporal failures (nlp/ knows
 * nothing of Temporal); whatever that leaves is classified on the way out (failure-kinds.ts).
 */
export function defineStep(
  run: (step: StepContext) => Promise<StepOutputs>,
  toFailure: (error: unknown, stepId: string) => unknown = (error) => error,
): StepType {
  return (deps, layer = (input, next) => next(input)) =>
    async (input) => {
      const context = Context.current();
      const { attempt } = context.info;
      try {
        const outcome = await layer(input, async (input) => {
          try {
            return await runAttempt(run, deps, input, context);
          } catch (error) {
            throw toFailure(error, input.stepId);
          }
        });
        return { ...outcome, attempt };
      } catch (error) {
        throw failureLeaving(error, { stepId: input.stepId, attempt, workflowId: input.workflowId, home: deps.home });
      }
    };
}

async function runAttempt(
  run: (step: StepContext) => Promise<StepOutputs>,
  deps: ActivityDeps,
  input: StepInput,
  context: Context,
): Promise<StepOutcome> {
  const cleanups: Array<() => unknown> = [];
  const searchAttributes: { [name: string]: string } = {};
  // The first report always goes out (performance.now() starts near 0 in a fresh process).
  let lastProgress = -Infinity;
  const progress = (details: unknown): void => {
    const now = performance.now();
    if (now - lastProgress < HEARTBEAT_EVERY_MS) return;
    lastProgress = now;
    context.heartbeat(details);
  };
  const step: StepContext = {
    input,
    deps,
    attempt: context.info.attempt,
    lastHeartbeat: context.info.heartbeatDetails,
    signal: context.cancellationSignal,
    progress,
    progressOrStop: (details) => {
      context.cancellationSignal.throwIfAborted();
      progress(details);
    },
    heartbeat: (details) => context.heartbeat(details),
    keepAlive: (details, everyMs = HEARTBEAT_EVERY_MS) => {
      const beat = (): void => context.heartbeat(details());
      beat();
      const timer = setInterval(beat, everyMs);
      const stop = (): void => clearInterval(timer);
      cleanups.push(stop);
      return stop;
    },
    staging: async (label) => {
      const dir = await deps.store.stagingDir(label);
      cleanups.push(() => fs.rm(dir, { recursive: true, force: true }));
      return dir;
    },
    log: (message) => deps.log(`${input.stepId}: ${message}`),
    label: (name, value) => void (searchAttributes[name] = value),
  };
  try {
    const outputs = await run(step);
    return Object.keys(searchAttributes).length > 0 ? { outputs, searchAttributes } : { outputs };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}
