import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import proto from '@temporalio/proto';

import type { Json } from '../contract/json';
import type { Plan, StepResult } from '../compiler/types';
import type { PipelineOptions } from '../workflows/pipeline';

// A CommonJS module: its namespaces come through the default export under Node's ESM loader.
const { temporal } = proto;
type EventType = proto.temporal.api.enums.v1.EventType;
const E = temporal.api.enums.v1.EventType;

export interface StepState {
  id: string;
  type: string;
  status: 'pending' | 'scheduled' | 'running' | 'retrying' | 'succeeded' | 'failed' | 'cancelled' | 'timed-out';
  attempts: number;
  cached: boolean;
  taskQueue?: string;
  startedAt?: string;
  endedAt?: string;
  outputs?: { [name: string]: Json };
  error?: string;
  cacheKey?: string;
  /** Why the cache was not used, when it was consulted. */
  cacheMiss?: string[];
  /** The latest heartbeat of a running training step (step, loss, checkpoint...). */
  heartbeat?: Json;
  lastFailure?: string;
}

export interface RunState {
  runId: string;
  temporalRunId: string;
  pipeline?: string;
  planHash?: string;
  status: string;
  startedAt?: string;
  endedAt?: string;
  failure?: string;
  steps: StepState[];
}

function iso(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): string | undefined {
  if (!ts?.seconds) return undefined;
  return new Date(Number(ts.seconds) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)).toISOString();
}

function decode(payloads: { payloads?: Payload[] | null } | null | undefined): unknown {
  const first = payloads?.payloads?.[0];
  return first ? defaultPayloadConverter.fromPayload(first) : undefined;
}

/** The innermost failure message: what the step itself said. */
function failureMessage(failure: proto.temporal.api.failure.v1.IFailure | null | undefined): string | undefined {
  let f = failure;
  while (f?.cause) f = f.cause;
  if (!f) return undefined;
  const type = f.applicationFailureInfo?.type;
  return type ? `${type}: ${f.message}` : (f.message ?? undefined);
}

/**
 * A run's steps, read from its history and pending activities. Works for finished runs and with no worker
 * running (a query would need one).
 */
export async function readRunState(client: Client, workflowId: string): Promise<RunState> {
  const handle = client.workflow.getHandle(workflowId);
  const description: WorkflowExecutionDescription = await handle.describe();
  const history = await handle.fetchHistory();
  const steps = new Map<string, StepState>();
  const bySchedule = new Map<string, StepState>();
  let failure: string | undefined;

  const memo = description.memo as { pipeline?: string; planHash?: string; steps?: Array<{ id: string; type: string }> } | undefined;
  for (const step of memo?.steps ?? []) {
    steps.set(step.id, { id: step.id, type: step.type, status: 'pending', attempts: 0, cached: false });
  }

  for (const event of history.events ?? []) {
    const type = event.eventType as EventType;
    const id = String(event.eventId);
    if (type === E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED) {
      // Steps reused (from a resumed run, or cache hits found before the run) never become activities: the input lists them.
      const payloads = event.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
      const options = payloads[1] ? (defaultPayloadConverter.fromPayload(payloads[1]) as PipelineOptions) : {};
      for (const [stepId, outputs] of Object.entries(options.reuse ?? {})) {
        const step = steps.get(stepId);
        const cacheKey = options.cacheHits?.[stepId]?.key;
        if (step) Object.assign(step, { status: 'succeeded', cached: true, outputs, ...(cacheKey ? { cacheKey } : {}), startedAt: iso(event.eventTime), endedAt: iso(event.eventTime) });
      }
    } else if (type === E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
      const a = event.activityTaskScheduledEventAttributes!;
      const stepId = a.activityId!;
      const state: StepState = {
        ...(steps.get(stepId) ?? { id: stepId, type: a.activityType?.name ?? '?', attempts: 0, cached: false }),
        status: 'scheduled',
        taskQueue: a.taskQueue?.name ?? undefined,
        startedAt: iso(event.eventTime),
      };
      steps.set(stepId, state);
      bySchedule.set(id, state);
    } else if (type === E.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
      const a = event.activityTaskStartedEventAttributes!;
      const state = bySchedule.get(String(a.scheduledEventId));
      if (state) Object.assign(state, { status: 'running', attempts: a.attempt ?? 1, lastFailure: failureMessage(a.lastFailure) });
    } else if (type === E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
      const a = event.activityTaskCompletedEventAttributes!;
      const state = bySchedule.get(String(a.scheduledEventId));
      const result = decode(a.result) as Partial<StepResult> | undefined;
      if (state) {
        Object.assign(state, {
          status: 'succeeded',
          endedAt: iso(event.eventTime),
          outputs: result?.outputs,
          cached: result?.cached ?? false,
          cacheKey: result?.cacheKey,
          cacheMiss: result?.cacheMiss,
        });
      }
    } else if (type === E.EVENT_TYPE_ACTIVITY_TASK_FAILED) {
      const a = event.activityTaskFailedEventAttributes!;
      const state = bySchedule.get(String(a.scheduledEventId));
      if (state) Object.assign(state, { status: 'failed', endedAt: iso(event.eventTime), error: failureMessage(a.failure) });
    } else if (type === E.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT) {
      const a = event.activityTaskTimedOutEventAttributes!;
      const state = bySchedule.get(String(a.scheduledEventId));
      if (state) Object.assign(state, { status: 'timed-out', endedAt: iso(event.eventTime), error: failureMessage(a.failure) });
    } else if (type === E.EVENT_TYPE_ACTIVITY_TASK_CANCELED) {
      const a = event.activityTaskCanceledEventAttributes!;
      const state = bySchedule.get(String(a.scheduledEventId));
      if (state) Object.assign(state, { status: 'cancelled', endedAt: iso(event.eventTime) });
    } else if (type === E.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED) {
      failure = event.workflowExecutionFailedEventAttributes?.failure?.message ?? undefined;
    }
  }

  // Retries in flight are not in history until they end: describe() has them.
  for (const pending of description.raw.pendingActivities ?? []) {
    const state = steps.get(pending.activityId ?? '');
    if (!state) continue;
    state.attempts = Math.max(state.attempts, pending.attempt ?? 1);
    const pendingState = temporal.api.enums.v1.PendingActivityState;
    if (pending.state === pendingState.PENDING_ACTIVITY_STATE_STARTED) state.status = 'running';
    else if ((pending.attempt ?? 1) > 1) state.status = 'retrying';
    if (pending.lastFailure) state.lastFailure = failureMessage(pending.lastFailure);
    const details = decode(pending.heartbeatDetails);
    if (details !== undefined) state.heartbeat = details as Json;
  }

  return {
    runId: workflowId,
    temporalRunId: description.runId,
    pipeline: memo?.pipeline,
    planHash: memo?.planHash,
    status: description.status.name,
    startedAt: description.startTime.toISOString(),
    endedAt: description.closeTime?.toISOString(),
    failure,
    steps: [...steps.values()],
  };
}

/** The plan and options a run was started with, from the first event of its history. */
export async function readRunInput(client: Client, workflowId: string): Promise<{ plan: Plan; options: PipelineOptions }> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const payloads = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
  if (!payloads[0]) throw new Error(`run ${workflowId} has no plan in its history`);
  return {
    plan: defaultPayloadConverter.fromPayload(payloads[0]) as Plan,
    options: payloads[1] ? (defaultPayloadConverter.fromPayload(payloads[1]) as PipelineOptions) : {},
  };
}
