// The worker-death scenario, shared by test/e2e/worker-death.test.ts and bench/durability.ts: a detached run,
// worker A trains, worker B stands by, A is SIGKILLed mid-training, B takes over from the newest checkpoint.
// Returns what happened, with timings; the caller asserts or reports.
import path from 'node:path';

import type { RunState } from '../../cli/run-state';
import { readMetrics } from '../../nlp/bert/metrics-log';
import { METRICS_FILE } from '../../nlp/training/thread-messages';
import { readRegistry } from '../../store/checkpoint-registry';
import { checkpointRoot } from '../../store/checkpoints';
import { kiln } from './kiln-cli';
import { GiveUp, killAll, startKiln, tail, waitFor, waitForExit, waitForOutput, type KilnProcess } from './processes';
import { watchRuns, type PendingStep } from './run-watch';

export interface WorkerDeathOptions {
  pipeline: string;
  sets?: string[];
  /** The environment of every kiln process (KILN_HOME and the server); default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** gRPC address of that environment's Temporal server. */
  address: string;
  /** The training step; it must heartbeat `{step, checkpoint}` and log "resuming at step N". */
  stepId?: string;
  /** Kill once a checkpoint at or after this step is in a heartbeat. */
  killAfterCheckpoint?: number;
  log?: (line: string) => void;
}

export interface WorkerDeathResult {
  runId: string;
  /** The newest training step a heartbeat showed before the kill. */
  lastSeenStep: number;
  /** The last step worker A finished (the last line of its metrics file, one line per step). */
  lastStepBeforeKill: number;
  /** The newest registered checkpoint when A died. */
  newestCheckpoint: number | null;
  /** The step the second attempt resumed from, as worker B logged it. */
  resumedFrom: number;
  /** SIGKILL → the server starts attempt 2 on worker B. */
  retryStartMs: number;
  /** SIGKILL → worker B logs that attempt 2 resumed from a checkpoint (training thread up, checkpoint verified). */
  resumeLoggedMs: number;
  /** SIGKILL → attempt 2 finished its first training step (its line in the metrics file, one per step). */
  firstStepMs: number;
  /** SIGKILL → the server receives attempt 2's first heartbeat with a step beyond `resumedFrom`. */
  progressMs: number;
  /** `kiln status RUN --json` once the run has ended. */
  final: RunState;
  outputs: { runner: string; workerA: string; workerB: string };
}

const TIMEOUT_MS = 180_000;

/** The newest train line's step in a metrics file (the fixture logs every step). */
function lastTrainStep(file: string): number {
  return readMetrics(file).filter((r) => r.split === 'train').at(-1)?.step ?? 0;
}

/**
 * When attempt 2 finished its first step: it first cuts the metrics file back to the resumed step, then
 * appends a line per step. Missing the cut (a slow poll) only delays the reading to step `lastStepBeforeKill` + 1.
 */
function firstStepWatch(file: string, lastStepBeforeKill: number): { at?: number; check(resumedFrom: number): void } {
  let cut = false;
  const watch: { at?: number; check(resumedFrom: number): void } = {
    check(resumedFrom) {
      if (watch.at !== undefined) return;
      const last = lastTrainStep(file);
      if (last <= resumedFrom) cut = true;
      if ((cut && last > resumedFrom) || last > lastStepBeforeKill) watch.at = Date.now();
    },
  };
  return watch;
}

export async function killTrainingWorker(options: WorkerDeathOptions): Promise<WorkerDeathResult> {
  const { pipeline, env, stepId = 'pretrain', killAfterCheckpoint = 10 } = options;
  const log = options.log ?? (() => undefined);
  const sets = (options.sets ?? []).flatMap((s) => ['--set', s]);
  const watcher = await watchRuns(options.address);
  const processes: KilnProcess[] = [];
  try {
    const started = await kiln(['run', pipeline, '--no-cache', '--detach', '--json', ...sets], { env });
    if (started.code !== 0) throw new Error(`kiln run --detach failed (exit ${started.code}):\n${started.stderr}`);
    const { runId } = JSON.parse(started.stdout) as { runId: string };
    log(`run ${runId} started (detached)`);
    const home = env?.KILN_HOME ?? process.env.KILN_HOME!;
    const checkpoints = checkpointRoot(runId, stepId, home);

    const workerA = startKiln('worker A', ['worker'], { env });
    processes.push(workerA);
    const trainingOnA = () => watcher.pending(runId, stepId).then((p) => (p?.started && p.heartbeat ? p : undefined));
    await waitFor(`${stepId} to start training on worker A`, trainingOnA, { timeoutMs: TIMEOUT_MS, alive: [workerA] });
    // B starts while A trains (a worker must not pick up training before A has it), and is polling before the kill.
    const workerB = startKiln('worker B', ['worker', '--queue', 'kiln-gpu', '--queue', 'kiln'], { env });
    processes.push(workerB);
    let seen: PendingStep | undefined;
    await waitFor(
      `a checkpoint at step >= ${killAfterCheckpoint} in a heartbeat`,
      async () => {
        seen = (await trainingOnA()) ?? seen;
        return (seen?.heartbeat?.checkpoint?.step ?? 0) >= killAfterCheckpoint;
      },
      { timeoutMs: TIMEOUT_MS, alive: [workerA] },
    );
    await waitForOutput(workerB, /worker polling/, 60_000);
    seen = (await trainingOnA()) ?? seen;
    if (!seen || seen.attempt !== 1 || seen.heartbeat!.step >= seen.heartbeat!.total) {
      throw new Error(`${stepId} is no longer in its first attempt's training when worker A is to be killed: ${JSON.stringify(seen)}`);
    }

    const killedAt = Date.now();
    await workerA.kill();
    log(`SIGKILL worker A (pid ${workerA.pid}) at step ~${seen.heartbeat!.step}`);
    // A is gone and B has not started attempt 2 (the heartbeat timeout has yet to expire): what A left behind.
    const metricsFile = path.join(checkpoints, METRICS_FILE);
    const lastStepBeforeKill = lastTrainStep(metricsFile);
    const registry = await readRegistry(checkpoints);
    const newestCheckpoint = registry.entries?.at(-1)?.step ?? null;

    let resumedFrom: number | undefined;
    const firstStep = firstStepWatch(metricsFile, lastStepBeforeKill);
    let progress: PendingStep | undefined;
    await waitFor(
      `attempt 2 of ${stepId} to make progress on worker B`,
      async () => {
        const resumed = /: resuming at step (\d+) of/.exec(workerB.output());
        const p = await watcher.pending(runId, stepId);
        if (!resumed) {
          if (!p) throw new GiveUp(`${stepId} ended, but worker B never logged resuming from a checkpoint`);
          return false;
        }
        resumedFrom = Number(resumed[1]);
        firstStep.check(resumedFrom);
        const fromAttempt2 = p && p.attempt >= 2 && p.started && p.heartbeatAt !== undefined && p.heartbeatAt > p.startedAt!;
        if (fromAttempt2 && p.heartbeat!.step > resumedFrom) progress ??= p;
        return progress !== undefined && firstStep.at !== undefined;
      },
      { timeoutMs: TIMEOUT_MS, intervalMs: 100, alive: [workerB] },
    ).catch((error: Error) => {
      throw new Error(`${error.message}; worker B's output ends with:\n${tail(workerB)}`);
    });
    log(`attempt ${progress!.attempt} resumed from step ${resumedFrom}; a heartbeat showed step ${progress!.heartbeat!.step}`);

    const ended = await waitFor(
      `run ${runId} to end`,
      async () => {
        const state = await watcher.state(runId);
        return state.status !== 'RUNNING' ? state : undefined;
      },
      { timeoutMs: TIMEOUT_MS, intervalMs: 500, alive: [workerB] },
    );
    log(`run ${runId} ${ended.status}`);
    const status = await kiln(['status', runId, '--json'], { env });
    const resumeLine = workerB.lines().find((l) => /: resuming at step \d+ of/.test(l.line));
    workerB.signal('SIGTERM');
    await waitForExit(workerB, 30_000);
    return {
      runId,
      lastSeenStep: seen.heartbeat!.step,
      lastStepBeforeKill,
      newestCheckpoint,
      resumedFrom: resumedFrom!,
      retryStartMs: progress!.startedAt! - killedAt,
      resumeLoggedMs: resumeLine!.at - killedAt,
      firstStepMs: firstStep.at! - killedAt,
      progressMs: progress!.heartbeatAt! - killedAt,
      final: JSON.parse(status.stdout) as RunState,
      outputs: { runner: started.stdout + started.stderr, workerA: workerA.output(), workerB: workerB.output() },
    };
  } finally {
    await killAll(processes);
    await watcher.close();
  }
}
