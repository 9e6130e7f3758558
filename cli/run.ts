import type { Command } from 'commander';

import { compilePipelineFile } from '../compiler/compile';
import type { Plan } from '../compiler/types';
import { createWorkerPool } from '../worker/main';
import { connect, runUrl } from './connect';
import { collectSet } from './options';
import { duration } from './render';
import { startPipelineRun } from './start-run';
import { watchRun } from './watch';

interface RunOptions {
  set?: Record<string, string>;
  detach?: boolean;
  json?: boolean;
}

function queuesOf(plan: Plan): string[] {
  return [...new Set(['kiln', ...plan.steps.map((step) => step.options.taskQueue)])];
}

async function runPipeline(file: string, options: RunOptions): Promise<void> {
  const plan = await compilePipelineFile(file, { set: options.set });
  // With --json, stdout carries only the final JSON; everything else goes to stderr.
  const say = options.json ? (line: string) => console.error(line) : (line: string) => console.log(line);
  const kiln = await connect(say);
  try {
    const runId = await startPipelineRun(kiln.client, plan);
    const steps = `${plan.steps.length} step${plan.steps.length === 1 ? '' : 's'}`;
    say(`run ${runId} started (${steps}, plan ${plan.planHash.slice(0, 12)})`);
    say(`  Temporal UI: ${runUrl(kiln.server, runId)}`);
    if (options.detach) {
      if (!kiln.server.external) say(`  it runs when a worker polls: start one with \`kiln worker\``);
      if (options.json) console.log(JSON.stringify({ runId, url: runUrl(kiln.server, runId) }));
      return;
    }
    let closed = false;
    const watching = watchRun(kiln.client, runId, (line) => say('  ' + line)).finally(() => (closed = true));
    if (!kiln.server.external) {
      // Embedded mode: this process is the worker until the run ends.
      const pool = await createWorkerPool({
        address: kiln.server.address,
        namespace: kiln.server.namespace,
        queues: queuesOf(plan),
      });
      await pool.run(watching.catch(() => undefined));
      if (!closed) {
        // The worker was stopped (Ctrl-C): the run itself is durable and waits for the next worker.
        say(`worker stopped; run ${runId} continues when a worker polls again (\`kiln worker\`)`);
        process.exitCode = 130;
        return;
      }
    }
    const final = await watching;
    if (options.json) console.log(JSON.stringify(final, null, 2));
    else say(`run ${runId} ${final.status.toLowerCase()} in ${duration(final.startedAt, final.endedAt)}`);
    if (final.failure) say(`  ${final.failure.replace(/\n/g, '\n  ')}`);
    if (final.status !== 'COMPLETED') {
      say(`  inspect it with \`kiln status ${runId}\` or in the Temporal UI`);
      process.exitCode = 1;
    }
  } finally {
    await kiln.close();
  }
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('compile a pipeline and run it as a Temporal workflow, showing live step progress')
    .argument('<file>', 'pipeline YAML file')
    .option('--set <name=value>', 'override a param (repeatable); type-checked against its default', collectSet)
    .option('-d, --detach', 'start the run and return at once (a worker must be running: `kiln worker`)')
    .option('--json', 'print the final run state as JSON on stdout (progress goes to stderr)')
    .addHelpText('after', '\nExit status: 0 when the run succeeds, 1 when it fails, 2 when the pipeline is invalid.')
    .action(runPipeline);
}
