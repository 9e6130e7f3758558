import type { Client } from '@temporalio/client';

import type { GcRun, RunLookup, RunRoots } from '../store/gc';
import { readRunInput, readRunState } from './run-state';

/** gc's view of the runs on the Temporal server: every pipeline run, and a kept run's outputs and resume sources. */
export function temporalRunLookup(client: Client): RunLookup {
  return {
    async listRuns(): Promise<GcRun[]> {
      const runs: GcRun[] = [];
      for await (const info of client.workflow.list({ query: `WorkflowType = 'pipelineWorkflow'`, pageSize: 500 })) {
        runs.push({ workflowId: info.workflowId, startedAt: info.startTime.toISOString(), running: info.status.name === 'RUNNING' });
      }
      return runs;
    },
    async runRoots(workflowId: string): Promise<RunRoots> {
      const state = await readRunState(client, workflowId);
      const input = await readRunInput(client, workflowId).catch(() => undefined);
      return {
        // Outputs of finished steps (reused ones included) and the heartbeat of a running one.
        outputs: state.steps.map((step) => [step.outputs ?? null, step.heartbeat ?? null]),
        resumedFrom: input?.options.resumedFrom ?? [],
      };
    },
  };
}
