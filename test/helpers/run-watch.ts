// Watching a run from the test process: the same state `kiln status RUN --json` prints (cli/run-state.ts),
// without a CLI start per poll, plus the server's view of a pending step (attempt, start and heartbeat times),
// which tells one attempt's heartbeats from the next one's.
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import proto from '@temporalio/proto';

import { readRunState, type RunState, type StepState } from '../../cli/run-state';

const { PendingActivityState } = proto.temporal.api.enums.v1;

/** What a pretrain step's heartbeat carries (activities/bert-pretrain.ts PretrainHeartbeat). */
export interface TrainingHeartbeat {
  step: number;
  total: number;
  loss: number | null;
  tokens_per_sec: number | null;
  checkpoint: { step: number; path: string; digest: string } | null;
}

export interface PendingStep {
  attempt: number;
  /** True once a worker has started this attempt. */
  started: boolean;
  /** Server time (ms since the epoch) this attempt started, if it has. */
  startedAt?: number;
  /** Server time of the last heartbeat received, of this attempt or an earlier one. */
  heartbeatAt?: number;
  /** The last heartbeat's details (kept across attempts: a retry reads them). */
  heartbeat?: TrainingHeartbeat;
}

export interface RunWatcher {
  client: Client;
  state(runId: string): Promise<RunState>;
  step(runId: string, stepId: string): Promise<StepState>;
  /** The step's pending activity, undefined when it is not pending (not yet scheduled, or finished). */
  pending(runId: string, stepId: string): Promise<PendingStep | undefined>;
  close(): Promise<void>;
}

function millis(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): number | undefined {
  if (!ts?.seconds) return undefined;
  return Number(ts.seconds) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
}

export async function watchRuns(address: string, namespace = 'default'): Promise<RunWatcher> {
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace });
  const state = (runId: string) => readRunState(client, runId);
  return {
    client,
    state,
    async step(runId, stepId) {
      const found = (await state(runId)).steps.find((s) => s.id === stepId);
      if (!found) throw new Error(`run ${runId} has no step "${stepId}"`);
      return found;
    },
    async pending(runId, stepId) {
      const description = await client.workflow.getHandle(runId).describe();
      const activity = description.raw.pendingActivities?.find((a) => a.activityId === stepId);
      if (!activity) return undefined;
      const payload = activity.heartbeatDetails?.payloads?.[0];
      const started = activity.state === PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;
      return {
        attempt: activity.attempt ?? 1,
        started,
        startedAt: started ? millis(activity.lastStartedTime) : undefined,
        heartbeatAt: millis(activity.lastHeartbeatTime),
        heartbeat: payload ? (defaultPayloadConverter.fromPayload(payload) as TrainingHeartbeat) : undefined,
      };
    },
    close: () => connection.close(),
  };
}

/** The training heartbeat `kiln status --json` shows for a step, if any. */
export function heartbeatOf(step: StepState): TrainingHeartbeat | undefined {
  return step.heartbeat as unknown as TrainingHeartbeat | undefined;
}
