import { defineQuery } from '@temporalio/workflow';

import type { Json } from '../contract/json';

export type StepStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'skipped';
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface StepProgress {
  id: string;
  type: string;
  status: StepStatus;
  /** Attempt that produced the final state (1 while the first attempt runs; the CLI refines it from heartbeats). */
  attempt: number;
  cached: boolean;
  taskQueue: string;
  startedAt?: string;
  endedAt?: string;
  outputs?: { [name: string]: Json };
  error?: { type: string; message: string };
}

export interface RunProgress {
  pipeline: string;
  planHash: string;
  status: RunStatus;
  startedAt: string;
  endedAt?: string;
  steps: StepProgress[];
  /** Set when the run failed: which step, and why. */
  failure?: string;
}

/** Every step's state, for `kiln status`, `kiln run`'s live view and the UI's query tab. */
export const progressQuery = defineQuery<RunProgress>('progress');
