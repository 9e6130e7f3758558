import type { Command } from 'commander';

import { checkSharedStore, homeStores } from '../store/home-stores';
import { kilnHome } from '../store/paths';
import { createWorkerPool, DEFAULT_QUEUES } from '../worker/main';
import { connect } from './connect';

async function worker(options: { queue?: string[]; concurrency: string }): Promise<void> {
  const kiln = await connect((line) => console.error(line));
  await kiln.close();
  // A shared store that cannot be used fails the worker now, not at its first step.
  await checkSharedStore(homeStores(kilnHome()), (line) => console.log(line));
  const queues = options.queue?.length ? options.queue : DEFAULT_QUEUES;
  const pool = await createWorkerPool({
    address: kiln.server.address,
    namespace: kiln.server.namespace,
    queues,
    maxConcurrentActivities: Number(options.concurrency),
    // The steps' progress lines (checkpoints written, resumed from, stopped at) are this worker's log.
    deps: { log: (line) => console.log(line) },
  });
  console.log(`worker polling ${queues.join(', ')} on ${kiln.server.address} (Ctrl-C or SIGTERM to stop gracefully)`);
  await pool.run();
  console.log('worker stopped');
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run a worker that executes pipeline steps (on this or another machine; set TEMPORAL_ADDRESS to join a cluster)')
    .option('-q, --queue <name>', `task queue to poll (repeatable; default: ${DEFAULT_QUEUES.join(', ')})`, (v: string, p: string[] = []) => [...p, v])
    .option('-c, --concurrency <n>', 'activities run at once per queue', '2')
    .action(worker);
}
