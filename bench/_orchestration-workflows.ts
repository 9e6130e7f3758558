// The raw-SDK anchor of bench/orchestration.ts: the same chain and fan-out of trivial activities, written
// directly against the Temporal SDK with no interpreter, cache or state around them.
import { proxyActivities } from '@temporalio/workflow';

const { noop } = proxyActivities<{ noop(value: number): Promise<number> }>({ startToCloseTimeout: '1 minute' });

export async function rawChain(steps: number): Promise<number> {
  let value = 0;
  for (let i = 0; i < steps; i++) value = await noop(value);
  return value;
}

export async function rawFanout(width: number): Promise<number> {
  const values = await Promise.all(Array.from({ length: width }, (_, i) => noop(i)));
  return values.length;
}
