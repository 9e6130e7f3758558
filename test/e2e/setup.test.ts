import { describe, expect, it } from 'vitest';

import type { SetupStatus } from '../../setup/status';
import { kiln } from '../helpers/kiln-cli';

describe('kiln setup', () => {
  it('status --json lists every backend, and setup tensorflow is instant when tfjs-node is set up (else says how)', async () => {
    const result = await kiln(['setup', 'status', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const status = JSON.parse(result.stdout) as SetupStatus;
    expect(status.backends.map((b) => b.name)).toEqual(['wasm', 'cpu', 'tfjs-node', 'tfjs-node-gpu']);
    expect(status.backends[0]).toMatchObject({ available: true, detail: expect.stringMatching(/^@tensorflow\/tfjs-backend-wasm \d+\.\d+\.\d+$/) });
    for (const backend of status.backends) expect(backend.available || backend.fix !== undefined || backend.setup === 'ready').toBe(true);
    expect(status.checks.map((c) => c.name)).toContain('C++ compiler');

    const native = status.backends[2]!;
    if (native.available) {
      // Set up on this machine (`kiln setup tensorflow` was run): the second run only checks files.
      const started = performance.now();
      const again = await kiln(['setup', 'tensorflow']);
      const seconds = (performance.now() - started) / 1000;
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/^TensorFlow 2\.18\.0 \(cpu\) is already set up for @tensorflow\/tfjs-node 4\.22\.0: .*node_modules\/@tensorflow\/tfjs-node -> /);
      expect(seconds).toBeLessThan(1.5);
    } else {
      // Not set up here: the status says so and names the command, and the doctor alias agrees.
      expect(native.fix).toBe('kiln setup tensorflow');
      const doctor = await kiln(['doctor']);
      expect(doctor.code).toBe(0);
      expect(doctor.stdout).toContain('tfjs-node      not available:');
    }
  });

  it('doctor prints one line per backend and the native checks', async () => {
    const result = await kiln(['doctor']);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('TF.js backends (backend: auto tries tfjs-node-gpu, tfjs-node, wasm, cpu in that order):');
    expect(lines.slice(1, 5).map((line) => line.trim().split(/\s+/)[0])).toEqual(['wasm', 'cpu', 'tfjs-node', 'tfjs-node-gpu']);
    expect(lines[5]).toMatch(/^What `kiln setup tensorflow` needs here \(cache: .*\/kiln\/tensorflow\):$/);
    expect(result.stdout).toMatch(/^ {2}(ok {5}|MISSING) {2}C\+\+ compiler /m);
  });
});
