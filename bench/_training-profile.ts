// `bench/_training-step.ts --profile`: the kernels of one training step by name, calls and summed kernel time,
// the most expensive first. What to look at before optimising: on a native backend a step is bound by how many
// ops it dispatches and how many passes over memory they make, not only by its matmuls.
import * as tf from '@tensorflow/tfjs-core';

export async function printKernelProfile(step: () => void): Promise<void> {
  const info = await tf.profile(() => {
    step();
    return [];
  });
  const byName = new Map<string, { calls: number; ms: number }>();
  for (const k of info.kernels) {
    if (k.name.endsWith('__op') || k.name === 'forward') continue; // composite ops and custom gradients: their kernels are listed
    const row = byName.get(k.name) ?? { calls: 0, ms: 0 };
    row.calls++;
    row.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    byName.set(k.name, row);
  }
  const rows = [...byName].sort((a, b) => b[1].ms - a[1].ms);
  const calls = rows.reduce((sum, [, r]) => sum + r.calls, 0);
  const total = rows.reduce((sum, [, r]) => sum + r.ms, 0);
  console.log(`${calls} kernel calls, ${total.toFixed(0)} ms of kernel time (TensorFlow ops called directly, e.g. ResourceApplyAdam, are not listed)`);
  for (const [name, r] of rows.slice(0, 30)) console.log(`  ${name.padEnd(28)} ${String(r.calls).padStart(6)} calls ${r.ms.toFixed(1).padStart(8)} ms`);
}
