// Metrics histories shared through a real S3 server (versitygw): hosts recording at the same moment all land in the
// one history object (appended by compare-and-swap), and a (run, step) is recorded once however many hosts retry it.
import { describe, expect, it } from 'vitest';

import type { HistoryRecord } from '../../../store/metrics-history-types';
import { sharedFixture, type Host } from './shared-hosts';

const shared = sharedFixture('metrics');
const hosts = () => shared.hosts();

function record(run: string, step: string, accuracy: number, at = '2025-01-01T00:00:00.000Z'): HistoryRecord {
  return { at, run, step, model: { name: 'sentiment', version: 1 }, metrics: { accuracy } };
}

const key = (r: HistoryRecord): string => `${r.run}/${r.step}`;

describe('metric histories shared by several hosts', () => {
  it('two hosts recording different runs at once: every record lands once, each run in its own order', async () => {
    const { a, b, c } = await hosts();
    const steps = Array.from({ length: 8 }, (_, i) => `eval-${i}`);
    const recordRun = async (host: Host, run: string): Promise<boolean[]> => {
      const appended: boolean[] = [];
      for (const [i, step] of steps.entries()) appended.push((await host.metrics.append('nightly', record(run, step, i / 10))).appended);
      return appended;
    };
    const [fromA, fromB] = await Promise.all([recordRun(a, 'run-a'), recordRun(b, 'run-b')]);
    expect(fromA).toEqual(steps.map(() => true));
    expect(fromB).toEqual(steps.map(() => true));

    // Host C never recorded anything: it reads the history from S3.
    const history = await c.metrics.read('nightly');
    expect(history).toHaveLength(16);
    expect(new Set(history.map(key)).size).toBe(16);
    expect(history.filter((r) => r.run === 'run-a').map((r) => r.step)).toEqual(steps);
    expect(history.filter((r) => r.run === 'run-b').map((r) => [r.step, r.metrics.accuracy])).toEqual(steps.map((s, i) => [s, i / 10]));
    expect(await c.metrics.names()).toEqual(['nightly']);
    // One JSON record a line, nothing torn.
    const text = (await c.objects.getBytes('metrics/nightly.jsonl'))!.bytes.toString('utf8');
    expect(text.split('\n')).toHaveLength(17);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('three hosts, each recording four steps at once: twelve writers racing, none lost', async () => {
    const { a, b, c } = await hosts();
    const results = await Promise.all(
      [a, b, c].flatMap((host) => [0, 1, 2, 3].map((i) => host.metrics.append('race', record(`run-${host.name}`, `step-${i}`, i)))),
    );
    expect(results.map((r) => r.appended)).toEqual(Array(12).fill(true));
    const history = await a.metrics.read('race');
    expect(history.map(key).sort()).toEqual(['a', 'b', 'c'].flatMap((h) => [0, 1, 2, 3].map((i) => `run-${h}/step-${i}`)).sort());
    // What each append says came before it is exactly the history up to it.
    for (const result of results) {
      const index = history.findIndex((r) => key(r) === key(result.record));
      expect(result.earlier).toEqual(history.slice(0, index));
    }
  });

  it('the same (run, step) from two hosts at once is recorded once, and both are told which record stands', async () => {
    const { a, b } = await hosts();
    await a.metrics.append('nightly', record('run-0', 'eval', 0.5));
    const [fromA, fromB] = await Promise.all([
      a.metrics.append('nightly', record('run-1', 'eval', 0.7, '2025-01-02T00:00:00.000Z')),
      b.metrics.append('nightly', record('run-1', 'eval', 0.7, '2025-01-02T00:00:05.000Z')),
    ]);
    expect([fromA.appended, fromB.appended].sort()).toEqual([false, true]);
    expect(fromA.record).toEqual(fromB.record);
    expect(fromA.earlier).toEqual([record('run-0', 'eval', 0.5)]);
    expect(fromB.earlier).toEqual([record('run-0', 'eval', 0.5)]);

    // A retry later, from a third host's point of view or the same one, appends nothing either.
    const again = await b.metrics.append('nightly', record('run-1', 'eval', 0.9, '2025-01-03T00:00:00.000Z'));
    expect(again).toEqual({ record: fromA.record, earlier: [record('run-0', 'eval', 0.5)], appended: false });
    const history = await b.metrics.read('nightly');
    expect(history.map(key)).toEqual(['run-0/eval', 'run-1/eval']);
    expect(history[1]).toEqual(fromA.record);
  });

  it('a history that exists on no host and not in S3 is an unknown-history error naming the store', async () => {
    const { a } = await hosts();
    await expect(a.metrics.read('nope')).rejects.toMatchObject({
      code: 'unknown-history',
      message: `no metrics history named 'nope' in s3://${shared.s3.bucket}/${shared.prefix}`,
    });
    expect(a.metrics.where('nope')).toBe(`s3://${shared.s3.bucket}/${shared.prefix}/metrics/nope.jsonl`);
  });
});
