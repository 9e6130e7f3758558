import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { kiln, repoRoot } from '../helpers/kiln-cli';

const pipeline = 'test/fixtures/pipelines/e2e-corpus.yaml';

describe('kiln CLI', () => {
  it('prints help for every command', async () => {
    const top = await kiln(['--help']);
    expect(top.code).toBe(0);
    for (const command of ['validate', 'plan', 'run', 'status', 'cancel', 'worker', 'server']) {
      expect(top.stdout).toContain(command);
    }
    const run = await kiln(['run', '--help']);
    expect(run.stdout).toContain('--set <name=value>');
    expect(run.stdout).toContain('--detach');
  });

  it('validate: exit 0 for a valid pipeline, 2 with FILE:LINE:COL for an invalid one', async () => {
    const ok = await kiln(['validate', pipeline]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('valid');

    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-cli-'));
    const bad = path.join(dir, 'bad.yaml');
    await fs.writeFile(bad, (await fs.readFile(pipeline, 'utf8')).replace('uses: corpus/download@v1', 'uses: corpus/download@v1\n    retires: 3'));
    const result = await kiln(['validate', bad]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`${bad.replace(/[.]/g, '\\.')}:\\d+:\\d+ steps\\.corpus`));
    expect(result.stderr).toContain('did you mean "retry"');
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('plan --json prints the compiled plan; a bad --set is a clear error', async () => {
    const plan = await kiln(['plan', pipeline, '--json']);
    expect(plan.code).toBe(0);
    const parsed = JSON.parse(plan.stdout);
    expect(parsed.pipeline).toBe('e2e-corpus');
    expect(parsed.steps[0].type).toBe('corpus/download@v1');
    expect(parsed.planHash).toMatch(/^[0-9a-f]{64}$/);

    const bad = await kiln(['plan', pipeline, '--set', 'nope=1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--set nope');
  });

  it('run: executes the pipeline on the embedded server, then status --json reports it', async () => {
    // --no-cache: other test files run this fixture too, and a cache hit would not exercise the step.
    const run = await kiln(['run', pipeline, '--no-cache']);
    expect(run.code, run.stderr).toBe(0);
    const runId = /run (e2e-corpus-[0-9a-z]{8}) started/.exec(run.stdout)?.[1];
    expect(runId).toBeDefined();
    expect(run.stdout).toMatch(/Temporal UI: http:\/\/localhost:\d+\/namespaces\/default\/workflows\/e2e-corpus-/);
    expect(run.stdout).toMatch(/✓ corpus/);

    const status = await kiln(['status', runId!, '--json']);
    expect(status.code).toBe(0);
    const state = JSON.parse(status.stdout);
    expect(state.runId).toBe(runId);
    expect(state.status).toBe('COMPLETED');
    const [step] = state.steps;
    expect(step).toMatchObject({ id: 'corpus', status: 'succeeded', attempts: 1, cached: false });
    expect(step.outputs.corpus.uri).toMatch(/^kiln:\/\/sha256\/[0-9a-f]{64}$/);
    expect(step.outputs.corpus.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(step.outputs.stats.documents).toBe(2);
  });

  it('run: a failing step ends the run with exit 1 and names the step, without a stack trace', async () => {
    const run = await kiln(['run', pipeline, '--set', 'corpus_file=missing.txt']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('step "corpus" (corpus/download@v1) failed after 1 attempt(s): InvalidInput');
    expect(run.stdout).toContain('missing.txt');
    expect(run.stdout + run.stderr).not.toMatch(/\n\s+at .*\.ts:\d+/);
  });

  it('run --detach waits for a worker; `kiln worker` runs it and stops gracefully on SIGTERM', async () => {
    const detached = await kiln(['run', pipeline, '--detach', '--json']);
    expect(detached.code, detached.stderr).toBe(0);
    const { runId } = JSON.parse(detached.stdout) as { runId: string };

    const worker = spawn(process.execPath, [path.join(repoRoot, 'bin/kiln'), 'worker'], { cwd: repoRoot, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let workerOut = '';
    worker.stdout.on('data', (d: Buffer) => (workerOut += d.toString()));
    worker.stderr.on('data', (d: Buffer) => (workerOut += d.toString()));
    const exited = new Promise<number | null>((resolve) => worker.on('close', resolve));
    try {
      await expect
        .poll(async () => JSON.parse((await kiln(['status', runId, '--json'])).stdout).status, { timeout: 60_000, interval: 1000 })
        .toBe('COMPLETED');
    } finally {
      worker.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(workerOut).toContain('worker polling kiln, kiln-gpu');
    expect(workerOut).toContain('worker stopped');
  });

  it('cancel: an unknown run is a clear error', async () => {
    const result = await kiln(['cancel', 'no-such-run']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no running run "no-such-run"');
  });
});
