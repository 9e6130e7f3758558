// What bench/training.ts reads about the machine: the CPU, and how busy other processes keep it. Those may live in
// another container on this VM, out of `ps`'s sight; /proc/stat counts them.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

/** A field of /proc/cpuinfo's first processor ('' where there is none). */
export function cpuinfo(key: string): string {
  try {
    const line = fs.readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith(key));
    return line?.split(':')[1]?.trim() ?? '';
  } catch {
    return '';
  }
}

export function cpuFlags(): string[] {
  return cpuinfo('flags').split(' ');
}

/** CPU seconds all processes have used since boot (/proc/stat: user nice system idle iowait irq softirq steal). */
export function busyCpuSeconds(): number {
  try {
    const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = fields;
    return (user! + nice! + system! + irq! + softirq! + (steal ?? 0)) / 100; // USER_HZ
  } catch {
    return NaN;
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Waits, within what is left of `budget.seconds`, until other processes use under 10% of the CPU for a second. */
export function waitForQuiet(budget: { seconds: number }): void {
  while (budget.seconds > 0) {
    const before = busyCpuSeconds();
    sleep(1000);
    budget.seconds -= 1;
    if ((busyCpuSeconds() - before) / os.availableParallelism() < 0.1) return;
  }
}

export function git(cwd: string, ...args: string[]): string {
  return spawnSync('git', args, { cwd, encoding: 'utf8' }).stdout?.trim() ?? '';
}
