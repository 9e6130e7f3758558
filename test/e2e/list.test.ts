import { describe, expect, it } from 'vitest';

import type { RunSummary } from '../../cli/list';
import { kiln } from '../helpers/kiln-cli';

const pipelineA = 'test/fixtures/pipelines/list-e2e-a.yaml';
const pipelineB = 'test/fixtures/pipelines/list-e2e-b.yaml';

async function run(file: string, ...args: string[]): Promise<string> {
  const result = await kiln(['run', file, ...args]);
  const runId = /run (list-e2e-[ab]-[0-9a-z]{8}) started/.exec(result.stdout)?.[1];
  expect(runId, result.stdout + result.stderr).toBeDefined();
  return runId!;
}

async function list(...args: string[]): Promise<RunSummary[]> {
  const result = await kiln(['list', '--json', ...args]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as RunSummary[];
}

describe('kiln list', () => {
  it("filters runs by pipeline and status, newest first, with each run's status and UI link", async () => {
    // A and B succeed, then A fails (its input file is missing).
    const [okA, okB] = await Promise.all([run(pipelineA), run(pipelineB)]);
    const failedA = await run(pipelineA, '--set', 'corpus_file=missing.txt');

    // Visibility is eventually consistent: wait until both of A's runs show their final status.
    await expect
      .poll(async () => (await list('--pipeline', 'list-e2e-a')).map((r) => [r.runId, r.status]), { timeout: 30_000, interval: 300 })
      .toEqual([
        [failedA, 'failed'],
        [okA, 'succeeded'],
      ]);
    const runsA = await list('--pipeline', 'list-e2e-a');
    for (const r of runsA) {
      expect(r.pipeline).toBe('list-e2e-a');
      expect(r.planHash).toMatch(/^[0-9a-f]{64}$/);
      expect(r.url).toMatch(new RegExp(`^http://localhost:\\d+/namespaces/default/workflows/${r.runId}$`));
      expect(Date.parse(r.endedAt!)).toBeGreaterThanOrEqual(Date.parse(r.startedAt));
    }
    expect(Date.parse(runsA[0]!.startedAt)).toBeGreaterThan(Date.parse(runsA[1]!.startedAt));

    const [failedOfA, newestOfA, failedOfAll, text] = await Promise.all([
      list('--pipeline', 'list-e2e-a', '--status', 'failed'),
      list('--pipeline', 'list-e2e-a', '--limit', '1'),
      list('--status', 'failed'),
      kiln(['list', '--pipeline', 'list-e2e-b']),
    ]);
    expect(failedOfA.map((r) => r.runId)).toEqual([failedA]);
    expect(newestOfA.map((r) => r.runId)).toEqual([failedA]);
    const failed = failedOfAll.map((r) => r.runId);
    expect(failed).toContain(failedA);
    expect(failed).not.toContain(okA);
    expect(failed).not.toContain(okB);

    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`${okB}\\s+succeeded .*http://localhost:\\d+/namespaces/default/workflows/${okB}`));
    expect(text.stdout).not.toContain('list-e2e-a');
  });

  it('refuses an unknown status with exit 2', async () => {
    const result = await kiln(['list', '--status', 'done']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('kiln: --status "done" is not a run status');
    expect(result.stderr).toContain('use one of running, succeeded, failed, cancelled');
  });
});
