import type { Command } from 'commander';
import { WorkflowNotFoundError } from '@temporalio/client';

import { connect } from './connect';
import { UserError } from './user-error';

async function cancel(runId: string): Promise<void> {
  const kiln = await connect((line) => console.error(line));
  try {
    await kiln.client.workflow
      .getHandle(runId)
      .cancel()
      .catch((error: unknown) => {
        if (error instanceof WorkflowNotFoundError) throw new UserError(`no running run "${runId}"`, 'see `kiln status`');
        throw error;
      });
    console.log(`cancellation requested for ${runId}; running steps stop at their next heartbeat`);
  } finally {
    await kiln.close();
  }
}

export function registerCancelCommand(program: Command): void {
  program
    .command('cancel')
    .description('cancel a run: running steps are cancelled (training checkpoints first), pending ones skipped; a sweep: all its runs')
    .argument('<run>', 'run id or sweep id')
    .action(cancel);
}
