import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { Client, Connection, ScheduleNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import type { ScheduleReport } from '../../cli/schedule-describe';
import { kiln, repoRoot } from '../helpers/kiln-cli';

const pipeline = 'test/fixtures/pipelines/schedule-e2e.yaml'; // every 2s, overlap skip
const stuckPipeline = 'test/fixtures/pipelines/schedule-e2e-stuck.yaml'; // every 1s; its step's queue has no worker
const suffix = randomBytes(3).toString('hex');
const mainId = `sched-e2e-${suffix}`;
const stuckId = `sched-stuck-${suffix}`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function describeSchedule(id: string): Promise<ScheduleReport> {
  const result = await kiln(['schedule', 'describe', id, '--json']);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as ScheduleReport;
}

describe('kiln schedule', () => {
  let client: Client;
  /** Read straight from Temporal: polling through the CLI would cost a process start per look. */
  const actions = async (id: string) => (await client.schedule.getHandle(id).describe()).info;
  /** Temporal's status of each recent run of a schedule whose scheduled time passes `keep`, oldest first. */
  const recentStatuses = async (id: string, keep: (scheduledAt: Date) => boolean = () => true) => {
    const recent = (await actions(id)).recentActions.filter((a) => keep(a.scheduledAt));
    return Promise.all(recent.map(async (a) => (await client.workflow.getHandle(a.action.workflow.workflowId).describe()).status.name));
  };
  let worker: ChildProcess | undefined;

  beforeAll(async () => {
    client = new Client({ connection: await Connection.connect({ address: inject('temporalAddress') }) });
  });

  afterAll(async () => {
    worker?.kill('SIGTERM');
    for (const id of [mainId, stuckId]) await client.schedule.getHandle(id).delete().catch(() => undefined);
    // Runs of the stuck pipeline never end by themselves.
    for await (const run of client.workflow.list({ query: `KilnPipeline = 'schedule-e2e-stuck' AND ExecutionStatus = 'Running'` })) {
      await client.workflow.getHandle(run.workflowId, run.runId).terminate('schedule e2e test cleanup').catch(() => undefined);
    }
    await client.connection.close();
  });

  // Every message is checked in test/unit/schedule; here, that the command refuses before scheduling anything.
  it('refuses an invalid pipeline (FILE:LINE:COL diagnostics), a bad cron and a bad duration with exit 2', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-schedule-'));
    const bad = path.join(dir, 'bad.yaml');
    await fs.writeFile(bad, (await fs.readFile(pipeline, 'utf8')).replace('uses: corpus/download@v1', 'uses: corpus/download@v1\n    retires: 3'));
    const [invalid, cron, every] = await Promise.all([
      kiln(['schedule', 'create', bad, '--id', `sched-bad-${suffix}`]),
      kiln(['schedule', 'create', pipeline, '--cron', '0 25 * * *']),
      kiln(['schedule', 'create', pipeline, '--every', '2 seconds']),
    ]);

    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain(`${bad}:10:5 steps.corpus.retires: unknown key "retires" (did you mean "retry"?)`);
    expect(invalid.stderr).not.toMatch(/\n\s+at /);
    expect(cron.code).toBe(2);
    expect(cron.stderr).toContain('kiln: --cron "0 25 * * *": hour (field 2): 25 is out of range 0-23');
    expect(cron.stderr).toContain('hint: a cron expression has 5 fields');
    expect(every.code).toBe(2);
    expect(every.stderr).toContain('kiln: --every "2 seconds" is not a duration');
    const refused = await client.schedule.getHandle(`sched-bad-${suffix}`).describe().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ScheduleNotFoundError);
  });

  // Long on a loaded machine: each CLI call is a process start, and the pause check waits on the clock.
  it('runs the pipeline on schedule; pause holds it, trigger and backfill still start runs, unpause resumes', { timeout: 240_000 }, async () => {
    worker = spawn(process.execPath, [path.join(repoRoot, 'bin/kiln'), 'worker'], { cwd: repoRoot, env: process.env, stdio: 'ignore' });

    // The stuck schedule (overlap test below) is created now so that it piles up skipped starts meanwhile.
    const [created, stuck] = await Promise.all([
      kiln(['schedule', 'create', pipeline, '--id', mainId]),
      kiln(['schedule', 'create', stuckPipeline, '--id', stuckId]),
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(stuck.code, stuck.stderr).toBe(0);
    expect(created.stdout).toContain(`schedule ${mainId} created: every 2s, overlap skip`);
    expect(created.stdout).toContain('keep `kiln worker` running');

    // At least two scheduled runs, each completed.
    await expect
      .poll(async () => (await recentStatuses(mainId)).filter((status) => status === 'COMPLETED').length, { timeout: 30_000, interval: 200 })
      .toBeGreaterThanOrEqual(2);
    const active = await describeSchedule(mainId);
    expect(active).toMatchObject({ id: mainId, paused: false, pipeline: 'schedule-e2e', every: '2s', overlap: 'skip', pauseOnFailure: false });
    expect(active.file).toBe(path.join(repoRoot, pipeline));
    expect(active.planHash).toMatch(/^[0-9a-f]{64}$/);
    expect(active.recent.every((r) => r.runId.startsWith(`schedule-e2e-sched-${mainId}-`))).toBe(true);
    expect(active.recent.every((r) => r.status === 'succeeded' || r.status === 'running')).toBe(true);
    expect(active.nextRuns.length).toBeGreaterThan(0);

    // Paused: no new runs for a few seconds (a start already under way when the pause landed may still count).
    const paused = await kiln(['schedule', 'pause', mainId, '--note', 'maintenance window']);
    expect(paused.code, paused.stderr).toBe(0);
    await sleep(500);
    const held = await describeSchedule(mainId);
    expect(held).toMatchObject({ paused: true, note: 'maintenance window' });
    await sleep(4000);
    expect((await actions(mainId)).numActionsTaken).toBe(held.actionsTaken);

    // A trigger starts exactly one run, even while paused.
    expect((await kiln(['schedule', 'trigger', mainId])).code).toBe(0);
    await expect.poll(async () => (await actions(mainId)).numActionsTaken, { timeout: 15_000, interval: 200 }).toBe(held.actionsTaken + 1);

    // Backfill a 10 s window a day ago, between the 2 s marks: exactly 5 scheduled times (t+2 ... t+10).
    const t = Math.floor((Date.now() - 86_400_000) / 2000) * 2000;
    const from = new Date(t + 1000);
    const to = new Date(t + 11_000);
    const backfill = await kiln(['schedule', 'backfill', mainId, '--from', from.toISOString(), '--to', to.toISOString(), '--overlap', 'allow_all']);
    expect(backfill.code, backfill.stderr).toBe(0);
    const between = (at: Date) => at >= from && at <= to;
    const inWindow = (report: ScheduleReport) => report.recent.filter((r) => between(new Date(r.scheduledAt)));
    await expect.poll(() => recentStatuses(mainId, between), { timeout: 30_000, interval: 200 }).toEqual(Array(5).fill('COMPLETED'));
    const backfilled = await describeSchedule(mainId);
    expect(inWindow(backfilled).map((r) => r.status)).toEqual(Array(5).fill('succeeded'));
    expect(inWindow(backfilled).map((r) => r.scheduledAt)).toEqual([2, 4, 6, 8, 10].map((s) => new Date(t + s * 1000).toISOString()));
    expect(backfilled.actionsTaken).toBe(held.actionsTaken + 6);

    // Unpaused: scheduled runs start again.
    expect((await kiln(['schedule', 'unpause', mainId])).code).toBe(0);
    await expect.poll(async () => (await actions(mainId)).numActionsTaken, { timeout: 15_000, interval: 200 }).toBeGreaterThan(held.actionsTaken + 6);
    expect((await describeSchedule(mainId)).paused).toBe(false);
  });

  it('overlap skip: a schedule whose run is still going starts no second one', async () => {
    await expect.poll(async () => (await actions(stuckId)).numActionsSkippedOverlap, { timeout: 20_000, interval: 200 }).toBeGreaterThanOrEqual(3);
    const report = await describeSchedule(stuckId);
    expect(report.actionsTaken).toBe(1);
    expect(report.running).toHaveLength(1);
    expect(report.recent.map((r) => r.status)).toEqual(['running']);
    const running = await client.workflow.count(`TemporalScheduledById = '${stuckId}' AND ExecutionStatus = 'Running'`);
    expect(running.count).toBe(1);
  });

  it('delete removes a schedule; describing or deleting it then names the id and lists the existing ones', async () => {
    const deleted = await kiln(['schedule', 'delete', stuckId]);
    expect(deleted.code, deleted.stderr).toBe(0);
    await expect.poll(() => actions(stuckId).then(() => 'exists', () => 'gone'), { timeout: 10_000, interval: 200 }).toBe('gone');
    const gone = await Promise.all([kiln(['schedule', 'describe', stuckId]), kiln(['schedule', 'delete', stuckId])]);
    for (const result of gone) {
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`^kiln: no schedule "${stuckId}"; existing schedules: .*${mainId}`));
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }

    expect((await kiln(['schedule', 'delete', mainId])).code).toBe(0);
    expect(await client.schedule.getHandle(mainId).describe().catch((e: unknown) => e)).toBeInstanceOf(ScheduleNotFoundError);
  });
});
