// `kiln server stop` + `kiln server start` while a run is training, on a server of this test's own (its own
// KILN_HOME, ports and SQLite database): the run goes on and completes, and finished steps are not redone.
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import type { RunState, StepState } from '../../cli/run-state';
import { kiln } from '../helpers/kiln-cli';
import { killAll, startKiln, waitFor, type KilnProcess } from '../helpers/processes';
import { REFERENCE_FILE, referenceModelDigest } from '../helpers/reference-run';
import { watchRuns } from '../helpers/run-watch';
import { startTempServer, type TempServer } from '../helpers/temp-server';

const pipeline = 'test/fixtures/pipelines/durability.yaml'; // 80 steps, checkpoint_every 5
const BEFORE_PRETRAIN = ['corpus', 'tokenizer', 'pretraining-data'];

let server: TempServer;
let reference: string;
let worker: KilnProcess | undefined;

beforeAll(async () => {
  server = await startTempServer('kiln-restart-home-', (line) => console.log(`[server-restart] ${line}`));
  reference = await referenceModelDigest(pipeline, { env: server.env, remember: path.join(inject('kilnHome'), REFERENCE_FILE) });
}, 300_000);

afterAll(async () => {
  await killAll();
  await server?.stop({ remove: true });
});

/** Polls with a fresh connection each time: the server goes away and comes back on the same port. */
async function runState(runId: string): Promise<RunState> {
  const watcher = await watchRuns(server.info.address);
  try {
    return await watcher.state(runId);
  } finally {
    await watcher.close();
  }
}

const earlier = (state: RunState): StepState[] => state.steps.filter((s) => BEFORE_PRETRAIN.includes(s.id));

describe('restarting the Temporal server mid-run', () => {
  it('the run completes without redoing finished steps', async () => {
    const { env } = server;
    const started = await kiln(['run', pipeline, '--no-cache', '--detach', '--json'], { env });
    expect(started.code, started.stderr).toBe(0);
    const { runId } = JSON.parse(started.stdout) as { runId: string };
    worker = startKiln('worker', ['worker'], { env });

    const before = await waitFor(
      'pretrain to heartbeat a checkpoint at step >= 10',
      async () => {
        const state = await runState(runId);
        const pretrain = state.steps.find((s) => s.id === 'pretrain');
        const checkpoint = (pretrain?.heartbeat as { checkpoint?: { step: number } } | undefined)?.checkpoint;
        return pretrain?.status === 'running' && (checkpoint?.step ?? 0) >= 10 ? state : undefined;
      },
      { timeoutMs: 180_000, alive: [worker] },
    );
    expect(earlier(before).map((s) => [s.id, s.status, s.attempts])).toEqual(BEFORE_PRETRAIN.map((id) => [id, 'succeeded', 1]));

    const stop = await kiln(['server', 'stop'], { env });
    expect(stop.stdout, stop.stderr).toMatch(/^stopped the Temporal dev server \(pid \d+\)/);
    const down = await kiln(['server', 'status'], { env });
    expect(down.code).toBe(3);
    const start = await kiln(['server', 'start'], { env });
    expect(start.code, start.stderr).toBe(0);
    expect(start.stdout).toContain(`address  ${server.info.address}`);
    expect(start.stdout).toContain(`data     ${server.info.dbFile}`);

    const after = await waitFor(
      `run ${runId} to end after the restart`,
      async () => {
        const state = await runState(runId);
        return state.status !== 'RUNNING' ? state : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 1_000, alive: [worker] },
    );
    const status = await kiln(['status', runId, '--json'], { env });
    const final = JSON.parse(status.stdout) as RunState;
    const pretrain = final.steps.find((s) => s.id === 'pretrain')!;
    console.log(`[server-restart] run ${after.status}; pretrain attempts ${pretrain.attempts}${pretrain.lastFailure ? ` (${pretrain.lastFailure})` : ''}`);

    expect(final.status).toBe('COMPLETED');
    // The finished steps, as the history shows them: one attempt each, the very outputs they had before.
    expect(earlier(final).map((s) => [s.id, s.status, s.attempts, s.outputs])).toEqual(earlier(before).map((s) => [s.id, 'succeeded', 1, s.outputs]));
    for (const id of BEFORE_PRETRAIN) expect(worker.output().split(`\n${id}: `).length - 1, `${id} ran once`).toBe(1);
    expect(pretrain.status).toBe('succeeded');
    expect((pretrain.outputs?.model as { digest: string }).digest).toBe(reference);
    expect(worker.isRunning(), 'the worker outlived the server restart').toBe(true);
  }, 400_000);
});
