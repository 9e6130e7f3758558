// `kiln store verify` covers the whole of $KILN_HOME: beside artifacts, cache entries and checkpoints, also
// metrics histories, model aliases and the cache's last-inputs notes (what repair can and cannot fix).
import fs from 'node:fs/promises';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { MetricsHistory } from '../../../store/metrics-history';
import { repairStore } from '../../../store/repair';
import { verifyStore } from '../../../store/verify';
import { cacheEntry, tempHome, type TempHome } from './helpers';

let t: TempHome;
beforeEach(async () => {
  t = await tempHome();
});
afterEach(async () => {
  await t.remove();
});

describe('verifyStore beyond the artifact store', () => {
  it('counts metrics histories and names a line that is not a record; repair leaves it to a person', async () => {
    const history = new MetricsHistory(path.join(t.home, 'metrics'));
    await history.append('nightly', { at: '2026-12-01T00:00:00.000Z', run: 'r1', step: 'eval', model: null, metrics: { accuracy: 0.8 } } as Parameters<MetricsHistory['append']>[1]);
    expect((await verifyStore({ home: t.home })).metrics).toEqual({ count: 1, bytes: expect.any(Number), problems: 0 });
    await fs.appendFile(history.fileOf('nightly'), '{"at": "yesterday"\n');
    const report = await verifyStore({ home: t.home });
    expect(report.ok).toBe(false);
    expect(report.problems).toMatchObject([{ kind: 'corrupt-metrics-history', severity: 'corrupt', path: history.fileOf('nightly'), message: expect.stringMatching(/nightly\.jsonl:2: not a JSON line/) }]);
    expect((await repairStore(report)).leftAlone.map((p) => p.kind)).toEqual(['corrupt-metrics-history']);
  });

  it('flags an unreadable cache note as stale, and repair deletes it', async () => {
    await cacheEntry(t.cache, 'k1', {});
    const note = path.join(t.cache.root, 'steps', 'p', 'step.json');
    await fs.writeFile(note, '{torn');
    const report = await verifyStore({ home: t.home });
    expect(report.ok).toBe(true);
    expect(report.problems).toMatchObject([{ kind: 'corrupt-cache-note', severity: 'stale', path: note }]);
    expect((await repairStore(report)).cacheEntries).toEqual([note]);
    expect((await verifyStore({ home: t.home })).problems).toEqual([]);
  });
});
