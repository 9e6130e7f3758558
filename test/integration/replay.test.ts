import fs from 'node:fs/promises';
import path from 'node:path';

import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';

import { installRuntime } from '../../worker/runtime';
import { workflowBundle } from '../../worker/workflow-bundle';

// Histories recorded from earlier versions of the interpreter (KILN_RECORD_HISTORIES=1 on
// pipeline-workflow.test.ts). Replaying them with today's code catches changes that would break running
// workflows; such a change must be guarded with patched().
const dir = path.join(__dirname, '../fixtures/histories');

describe('replay of stored histories', async () => {
  const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.bin')).sort();

  it('has recorded histories to replay', () => {
    expect(files).toEqual(expect.arrayContaining(['cancelled.bin', 'diamond.bin', 'failing.bin', 'flaky.bin']));
  });

  it.each(files)('%s replays deterministically', async (file) => {
    installRuntime();
    const history = proto.temporal.api.history.v1.History.decode(await fs.readFile(path.join(dir, file)));
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, file);
  });
});
