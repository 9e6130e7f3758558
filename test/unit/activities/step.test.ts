import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it, vi } from 'vitest';

import { activityDeps } from '../../../activities/deps';
import { defineStep } from '../../../activities/step';
import { runStepActivity } from '../../helpers/activity';

const home = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-step-'));
afterAll(() => fs.rm(home, { recursive: true, force: true }));

describe('the step wrapper', () => {
  it('sends the first progress report even in a process younger than the throttle interval, then throttles', async () => {
    // performance.now() counts from process start: a fresh worker process reports progress within its first second.
    const now = vi.spyOn(performance, 'now').mockReturnValue(5);
    try {
      const step = defineStep(async ({ progress }) => {
        progress({ n: 1 });
        progress({ n: 2 });
        return {};
      });
      const heartbeats: unknown[] = [];
      const result = await runStepActivity(step(activityDeps(home)), { stepId: 's', baseDir: home, inputs: {} }, { attempt: 3, heartbeats });
      expect(heartbeats).toEqual([{ n: 1 }]);
      expect(result.attempt).toBe(3);
    } finally {
      now.mockRestore();
    }
  });

  it('removes its staging directories and adds the search attributes a step names', async () => {
    let staged = '';
    const step = defineStep(async ({ staging, label }) => {
      staged = await staging('x');
      await fs.writeFile(path.join(staged, 'f'), 'data');
      label('KilnModel', 'm:1');
      return { value: 1 };
    });
    const result = await runStepActivity(step(activityDeps(home)), { stepId: 's', baseDir: home, inputs: {} });
    expect(result).toMatchObject({ outputs: { value: 1 }, searchAttributes: { KilnModel: 'm:1' }, attempt: 1 });
    expect(staged).not.toBe('');
    await expect(fs.stat(staged)).rejects.toThrow(/ENOENT/);
  });
});
