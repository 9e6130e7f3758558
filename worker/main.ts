import os from 'node:os';

import { NativeConnection, Worker } from '@temporalio/worker';

import { activityDeps, type ActivityDepsOptions } from '../activities/deps';
import { createActivities } from '../activities/index';
import type { StepType } from '../activities/step';
import { kilnHome } from '../store/paths';
import { installRuntime } from './runtime';
import { workflowBundle } from './workflow-bundle';

export const DEFAULT_QUEUES = ['kiln', 'kiln-gpu'];

export interface WorkerPoolOptions {
  address: string;
  namespace: string;
  queues: string[];
  /**
   * The queues whose workers also run workflows (default: all). The others only run steps, which spares each one
   * loading the workflow bundle into a V8 context of its own (~0.4 s of a 2-core machine at every `kiln run`).
   */
  workflowQueues?: string[];
  /** Where the activities' log lines go (and their clock); everything else they get is KILN_HOME's. */
  deps?: ActivityDepsOptions;
  /** Extra step types, registered by tests only. */
  extraActivities?: Record<string, StepType>;
  /** How long running activities may go on after shutdown starts before they are cancelled. */
  shutdownGraceMs?: number;
  /** How long cancelled activities get to finish (training writes its checkpoint) before the worker gives up. */
  shutdownForceMs?: number;
  /** Concurrent activities per queue; training steps are CPU-bound, so keep it small. */
  maxConcurrentActivities?: number;
}

export interface WorkerPool {
  workers: Worker[];
  /** Poll until `until` settles (or until shutdown), then drain and close. */
  run(until?: Promise<unknown>): Promise<void>;
  shutdown(): void;
}

/** One Temporal worker per task queue, sharing a connection, the workflow bundle and the activities. */
export async function createWorkerPool(options: WorkerPoolOptions): Promise<WorkerPool> {
  installRuntime();
  const connection = await NativeConnection.connect({ address: options.address });
  const deps = activityDeps(kilnHome(), options.deps);
  const activities = createActivities(deps, options.extraActivities);
  const workflowQueues = new Set(options.workflowQueues ?? options.queues);
  const bundle = await workflowBundle();
  const identity = `kiln@${os.hostname()}:${process.pid}`;
  const workers = await Promise.all(
    options.queues.map((taskQueue) =>
      Worker.create({
        connection,
        namespace: options.namespace,
        taskQueue,
        identity,
        ...(workflowQueues.has(taskQueue) ? { workflowBundle: bundle } : {}),
        activities,
        maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities ?? 2,
        // On SIGTERM, cancel at once: training answers cancellation by writing a checkpoint, and the retry on
        // another worker resumes from it. Waiting for a 12-hour step to finish would lose the grace period.
        shutdownGraceTime: options.shutdownGraceMs ?? 1_000,
        shutdownForceTime: options.shutdownForceMs ?? 120_000,
        // Heartbeats carry training progress and bring cancellation: send them within seconds, not minutes.
        maxHeartbeatThrottleInterval: '2s',
        defaultHeartbeatThrottleInterval: '2s',
      }),
    ),
  );
  return {
    workers,
    async run(until) {
      try {
        await Promise.all(workers.map((worker) => (until ? worker.runUntil(until) : worker.run())));
      } finally {
        await connection.close();
      }
    },
    shutdown() {
      for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
    },
  };
}
