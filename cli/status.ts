import type { Command } from 'commander';
import { WorkflowNotFoundError, type WorkflowExecutionDescription } from '@temporalio/client';

import type { Json } from '../contract/json';
import { paramsText } from '../contract/params-text';
import type { ArtifactStore } from '../store/artifacts';
import { homeStores } from '../store/home-stores';
import { kilnHome } from '../store/paths';
import { isArtifactRef } from '../store/types';
import { connect, runUrl, type Connected } from './connect';
import { listRuns, runsQuery } from './list';
import { duration, runTable } from './render';
import { LiveView } from './live-view';
import { readRunState, type RunState } from './run-state';
import { watchRun } from './watch';
import { UserError } from './user-error';

async function latestRunId(client: import('@temporalio/client').Client): Promise<string> {
  for await (const execution of client.workflow.list({ query: `WorkflowType = 'pipelineWorkflow'` })) {
    return execution.workflowId; // list is newest first
  }
  throw new UserError('no runs yet', 'start one with `kiln run pipelines/quickstart.yaml`');
}

/** step id → output name → the artifact's object in the shared store (null when it is not there). */
async function artifactLocations(state: RunState, store: ArtifactStore): Promise<Record<string, Record<string, string | null>>> {
  const out: Record<string, Record<string, string | null>> = {};
  for (const step of state.steps) {
    for (const [name, value] of Object.entries(step.outputs ?? {})) {
      if (isArtifactRef(value)) (out[step.id] ??= {})[name] = (await store.locate(value)) ?? null;
    }
  }
  return out;
}

/** A sweep's status: its runs (from its memo) with their params and each run's status as `kiln list` reads it. */
async function sweepStatus(kiln: Connected, sweepId: string, description: WorkflowExecutionDescription, json: boolean): Promise<void> {
  const memo = (description.memo ?? {}) as { runs?: Array<{ runId: string; params: { [name: string]: Json } }> };
  const listed = new Map((await listRuns(kiln.client, kiln.server, runsQuery({ sweep: sweepId }), 10_000)).map((r) => [r.runId, r]));
  const runs = (memo.runs ?? []).map((run) => ({ ...run, status: listed.get(run.runId)?.status ?? 'pending' }));
  const url = runUrl(kiln.server, sweepId);
  const state = { sweepId, status: description.status.name, startedAt: description.startTime.toISOString(), endedAt: description.closeTime?.toISOString(), runs, url };
  if (json) {
    console.log(JSON.stringify(state, null, 2));
    return;
  }
  console.log(`sweep ${sweepId}  ${state.status}  ${duration(state.startedAt, state.endedAt)}`);
  const width = Math.max(6, ...runs.map((r) => r.runId.length));
  for (const run of runs) console.log(`  ${run.runId.padEnd(width)}  ${run.status.padEnd(10)}  ${paramsText(run.params)}`);
  console.log(`  Temporal UI: ${url}\n  compare its runs: \`kiln compare ${sweepId}\``);
}

async function status(runId: string | undefined, options: { json?: boolean; watch?: boolean }): Promise<void> {
  const kiln = await connect((line) => console.error(line));
  try {
    const id = runId ?? (await latestRunId(kiln.client));
    if (options.watch) {
      const live = process.stdout.isTTY && !options.json ? new LiveView() : undefined;
      console.error(`watching ${id} (Ctrl-C stops watching; the run goes on)  ${runUrl(kiln.server, id)}`);
      await watchRun(kiln.client, id, (line) => console.log(line), 1000, live);
    }
    const description = await kiln.client.workflow.getHandle(id).describe().catch(() => undefined);
    if (description?.type === 'sweepWorkflow') {
      await sweepStatus(kiln, id, description, options.json === true);
      return;
    }
    const state = await readRunState(kiln.client, id).catch((error: unknown) => {
      if (error instanceof WorkflowNotFoundError) {
        throw new UserError(`no run "${id}"`, 'list runs in the Temporal UI, or run `kiln status` for the latest');
      }
      throw error;
    });
    const url = runUrl(kiln.server, id);
    const { store, objects } = homeStores(kilnHome());
    // With a shared store, where each artifact output is there: what another machine (or `aws s3`) finds.
    const locations = objects ? await artifactLocations(state, store) : undefined;
    if (options.json) console.log(JSON.stringify({ ...state, url, ...(objects ? { store: objects.uri, locations } : {}) }, null, 2));
    else {
      console.log(`${runTable(state)}\n  Temporal UI: ${url}`);
      if (objects) {
        console.log(`  store: ${objects.describe()}`);
        for (const [step, outputs] of Object.entries(locations!)) {
          for (const [name, where] of Object.entries(outputs)) console.log(`    ${step}.${name}: ${where ?? 'not in the store'}`);
        }
      }
    }
  } finally {
    await kiln.close();
  }
}

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description("show a run's status and each step's state, attempts and outputs (default: the latest run)")
    .argument('[run]', 'run id (the workflow id printed by `kiln run`)')
    .option('--json', 'machine-readable output')
    .option('-w, --watch', 'follow the run until it ends: step states and training progress bars')
    .action(status);
}
