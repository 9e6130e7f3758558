import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  TimeoutFailure,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';

import { NON_RETRYABLE_TYPES } from '../contract/failure-types';
import type { Json } from '../contract/json';
import type { Plan, PlanStep, StepInput, StepResult } from '../compiler/types';
import { resolveInputs } from './inputs';
import { progressQuery, type RunProgress, type StepProgress } from './messages';
import { KilnModel, KilnStatus, KilnStep } from './search-attributes';

export interface PipelineOptions {
  /** `kiln run --no-cache`: every step runs, whatever the cache holds. */
  noCache?: boolean;
  /** Workflow ids of the runs this one continues (`kiln resume`), newest first. */
  resumedFrom?: string[];
  /**
   * Outputs reused without running: steps that finished in the resumed run, or verified cache hits that `kiln run`
   * found before starting (embedded mode, where the CLI is the worker and shares its store).
   */
  reuse?: { [stepId: string]: { [name: string]: Json } };
  /** The cache entries behind `reuse`, for `kiln status` and reports; the workflow itself does not read them. */
  cacheHits?: { [stepId: string]: { key: string; producer: string } };
}

type StepActivityFn = (input: StepInput) => Promise<StepResult>;

function activityFor(step: PlanStep): StepActivityFn {
  const { options } = step;
  const activities = proxyActivities<Record<string, StepActivityFn>>({
    // The step id names the activity in history, describe() and the UI; the summary says what it is.
    activityId: step.id,
    summary: `${step.id} (${step.type})`,
    taskQueue: options.taskQueue,
    startToCloseTimeout: options.startToCloseTimeoutMs,
    heartbeatTimeout: options.heartbeatTimeoutMs,
    retry: {
      maximumAttempts: options.retry.maxAttempts,
      initialInterval: options.retry.initialIntervalMs,
      backoffCoefficient: options.retry.backoff,
      maximumInterval: options.retry.maxIntervalMs,
      nonRetryableErrorTypes: [...NON_RETRYABLE_TYPES],
    },
    // On cancellation, wait for the activity to acknowledge so a training step can checkpoint first.
    cancellationType: 'WAIT_CANCELLATION_COMPLETED',
  });
  const fn = activities[step.type];
  if (!fn) throw new Error(`no activity proxy for ${step.type}`);
  return fn;
}

/** The step-settable search attributes, by name; a step's result names them (StepResult.searchAttributes). */
const STEP_SEARCH_ATTRIBUTES = new Map([KilnModel].map((key) => [key.name, key]));

function stepSearchAttributes(result: StepResult) {
  return Object.entries(result.searchAttributes ?? {}).flatMap(([name, value]) => {
    const key = STEP_SEARCH_ATTRIBUTES.get(name);
    return key ? [{ key, value }] : [];
  });
}

// The YAML's names for Temporal's timeout types.
const TIMEOUT_NAMES: { [type: string]: string } = {
  START_TO_CLOSE: 'timeout',
  HEARTBEAT: 'heartbeat_timeout',
  SCHEDULE_TO_START: 'schedule-to-start timeout',
  SCHEDULE_TO_CLOSE: 'schedule-to-close timeout',
};

/**
 * The failure's innermost application error (what the step itself said), or the timeout it hit with its last
 * progress; and the attempts it took, which Temporal reports only as "maximum attempts reached".
 */
function describeFailure(error: unknown, step: PlanStep): { type: string; message: string; attempt?: number } {
  const exhausted = error instanceof ActivityFailure && error.retryState === 'MAXIMUM_ATTEMPTS_REACHED';
  const attempts = exhausted && step.options.retry.maxAttempts > 0 ? step.options.retry.maxAttempts : undefined;
  let cause: unknown = error;
  while (cause instanceof ActivityFailure && cause.cause) cause = cause.cause;
  if (cause instanceof ApplicationFailure) {
    const detail = cause.details?.at(-1) as { attempt?: number } | undefined;
    // Classified failures name their step and attempt for the UI; the run summary says both already.
    const message = cause.message.replace(/^step "[^"]*" attempt \d+: /, '');
    return { type: cause.type ?? 'Error', message, attempt: detail?.attempt ?? attempts };
  }
  if (cause instanceof TimeoutFailure) {
    const o = step.options;
    const limit = cause.timeoutType === 'HEARTBEAT' ? o.heartbeatTimeoutMs : o.startToCloseTimeoutMs;
    const name = TIMEOUT_NAMES[cause.timeoutType ?? ''] ?? 'timeout';
    const last = cause.lastHeartbeatDetails === undefined ? '' : `; its last progress: ${JSON.stringify(cause.lastHeartbeatDetails)}`;
    const limitText = limit ? ` of ${limit / 1000}s` : '';
    return { type: 'Timeout', message: `hit its ${name}${limitText}${attempts ? ' on every attempt' : ''}${last}`, attempt: attempts };
  }
  return { type: 'Error', message: cause instanceof Error ? cause.message : String(cause), attempt: attempts };
}

/** Runs the plan's steps as activities, each as soon as its dependencies have succeeded. */
export async function pipelineWorkflow(plan: Plan, options: PipelineOptions = {}): Promise<RunProgress> {
  const now = () => new Date().toISOString();
  const progress: RunProgress = {
    pipeline: plan.pipeline,
    planHash: plan.planHash,
    status: 'running',
    startedAt: now(),
    steps: plan.steps.map(
      (step): StepProgress => ({
        id: step.id,
        type: step.type,
        status: 'pending',
        attempt: 0,
        cached: false,
        taskQueue: step.options.taskQueue,
      }),
    ),
  };
  const byId = new Map(progress.steps.map((step) => [step.id, step]));
  setHandler(progressQuery, () => progress);

  const outputs: { [stepId: string]: { [name: string]: Json } } = {};
  const running = new Map<string, { scope: CancellationScope; done: Promise<string> }>();
  const info = workflowInfo();

  const publish = (status: string, stepLabel: string) =>
    upsertSearchAttributes([
      { key: KilnStatus, value: status },
      { key: KilnStep, value: stepLabel },
    ]);
  const runningLabel = () => [...running.keys()].join(',');

  const start = (step: PlanStep) => {
    const state = byId.get(step.id)!;
    state.status = 'running';
    state.attempt = 1;
    state.startedAt = now();
    const reused = options.reuse?.[step.id];
    if (reused) {
      outputs[step.id] = reused;
      Object.assign(state, { status: 'succeeded', cached: true, outputs: reused, endedAt: state.startedAt });
      return;
    }
    const input: StepInput = {
      runId: info.runId,
      workflowId: info.workflowId,
      pipeline: plan.pipeline,
      planHash: plan.planHash,
      stepId: step.id,
      cache: step.cache && !options.noCache,
      resumedFrom: options.resumedFrom ?? [],
      baseDir: plan.source.dir,
      inputs: resolveInputs(step.inputs, outputs) as StepInput['inputs'],
    };
    const call = activityFor(step);
    const scope = new CancellationScope();
    const done = scope
      .run(() => call(input))
      .then((result) => {
        outputs[step.id] = result.outputs;
        Object.assign(state, {
          status: 'succeeded',
          attempt: result.attempt,
          outputs: result.outputs,
          cached: result.cached ?? false,
          endedAt: now(),
        });
        const labels = stepSearchAttributes(result);
        if (labels.length > 0 && patched('kiln-model-search-attribute')) upsertSearchAttributes(labels);
        return step.id;
      })
      .catch((error: unknown) => {
        const failure = describeFailure(error, step);
        const status = isCancellation(error) ? 'cancelled' : 'failed';
        Object.assign(state, { status, endedAt: now(), error: { type: failure.type, message: failure.message } });
        if (failure.attempt) state.attempt = failure.attempt;
        return step.id;
      });
    running.set(step.id, { scope, done });
  };

  const cancelled = () => CancellationScope.current().consideredCancelled;
  publish('running', '');
  for (;;) {
    const failed = progress.steps.some((s) => s.status === 'failed');
    if (!failed && !cancelled()) {
      for (const step of plan.steps) {
        const state = byId.get(step.id)!;
        const ready = step.dependsOn.every((dep) => byId.get(dep)!.status === 'succeeded');
        if (state.status === 'pending' && ready) start(step);
      }
      publish('running', runningLabel());
    }
    if (running.size === 0) break;
    // Step promises never reject (start() records failures), so a cancelled run still drains here.
    const finished = await CancellationScope.nonCancellable(() => Promise.race([...running.values()].map((r) => r.done)));
    running.delete(finished);
    if (byId.get(finished)!.status === 'failed') {
      // One failure fails the run: stop the siblings instead of letting them burn hours.
      for (const { scope } of running.values()) scope.cancel();
    }
  }

  function finish(status: RunProgress['status']) {
    progress.status = status;
    progress.endedAt = now();
    for (const step of progress.steps) {
      if (step.status === 'pending') step.status = status === 'succeeded' ? 'pending' : 'skipped';
    }
  }

  const failed = progress.steps.find((s) => s.status === 'failed');
  if (failed) {
    const cancelled = progress.steps.filter((s) => s.status === 'cancelled').map((s) => s.id);
    progress.failure =
      `step "${failed.id}" (${failed.type}) failed after ${failed.attempt} attempt(s): ` +
      `${failed.error?.type}: ${failed.error?.message}` +
      (cancelled.length ? `; cancelled: ${cancelled.join(', ')}` : '');
    finish('failed');
    publish('failed', failed.id);
    throw ApplicationFailure.create({ type: 'StepFailed', message: progress.failure, nonRetryable: true, details: [progress] });
  }
  if (cancelled()) {
    finish('cancelled');
    publish('cancelled', '');
    throw new CancelledFailure('run cancelled');
  }
  finish('succeeded');
  publish('succeeded', '');
  return progress;
}
