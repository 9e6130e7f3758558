import type { Command } from 'commander';
import { WorkflowNotFoundError } from '@temporalio/client';

import { connect, runUrl } from './connect';
import { runTable } from './render';
import { LiveView } from './live-view';
import { readRunState } from './run-state';
import { watchRun } from './watch';
import { UserError } from './user-error';

async function latestRunId(client: import('@temporalio/client').Client): Promise<string> {
  for await (const execution of client.workflow.list({ query: `WorkflowType = 'pipelineWorkflow'` })) {
    return execution.workflowId; // list is newest first
  }
  throw new UserError('no runs yet', 'start one with `kiln run pipelines/quickstart.yaml`');
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
    const state = await readRunState(kiln.client, id).catch((error: unknown) => {
      if (error instanceof WorkflowNotFoundError) {
        throw new UserError(`no run "${id}"`, 'list runs in the Temporal UI, or run `kiln status` for the latest');
      }
      throw error;
    });
    const url = runUrl(kiln.server, id);
    if (options.json) console.log(JSON.stringify({ ...state, url }, null, 2));
    else console.log(`${runTable(state)}\n  Temporal UI: ${url}`);
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
