// The history store: appended lines, one record per (run, step), names, and corrupt lines named by file:line.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { MetricsHistory } from '../../../store/metrics-history';
import { HistoryError, type HistoryRecord } from '../../../store/metrics-history-types';

let tmp: string;
let history: MetricsHistory;

const rec = (run: string, accuracy: number, step = 'record'): HistoryRecord => ({
  at: `2025-01-0${run.slice(-1)}T03:00:00.000Z`,
  run,
  step,
  model: { name: 'sentiment', version: 1, alias: 'production', digest: 'sha256:ab' },
  metrics: { accuracy, loss: 0.5 },
});

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-metrics-history-'));
  history = new MetricsHistory(path.join(tmp, 'metrics'));
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function caught(promise: Promise<unknown>): Promise<HistoryError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(HistoryError);
  return error as HistoryError;
}

describe('MetricsHistory', () => {
  it('appends one JSON line per record and returns the records before it', async () => {
    const first = await history.append('nightly', rec('run-1', 0.8));
    expect(first).toEqual({ record: rec('run-1', 0.8), earlier: [], appended: true });
    const second = await history.append('nightly', rec('run-2', 0.82));
    expect(second.earlier).toEqual([rec('run-1', 0.8)]);
    const text = await fs.readFile(history.fileOf('nightly'), 'utf8');
    expect(text).toBe(`${JSON.stringify(rec('run-1', 0.8))}\n${JSON.stringify(rec('run-2', 0.82))}\n`);
    expect(await history.read('nightly')).toEqual([rec('run-1', 0.8), rec('run-2', 0.82)]);
  });

  it('records a (run, step) once: a retry gets the first record and its own earlier records back', async () => {
    const before = await fs.readFile(history.fileOf('nightly'), 'utf8');
    const retry = await history.append('nightly', { ...rec('run-1', 0.1), at: '2025-02-01T00:00:00.000Z' });
    expect(retry).toEqual({ record: rec('run-1', 0.8), earlier: [], appended: false });
    expect(await fs.readFile(history.fileOf('nightly'), 'utf8')).toBe(before);
    // Another step of the same run is a record of its own.
    expect((await history.append('nightly', rec('run-1', 0.7, 'record-2'))).appended).toBe(true);
    expect(await history.read('nightly')).toHaveLength(3);
  });

  it('appends concurrently without losing or tearing a line', async () => {
    await Promise.all(Array.from({ length: 4 }, (_, i) => history.append('busy', rec(`run-${i + 1}`, i / 10))));
    const records = await history.read('busy');
    expect(records.map((r) => r.run).sort()).toEqual(Array.from({ length: 4 }, (_, i) => `run-${i + 1}`));
  });

  it('lists existing histories and refuses unknown or invalid names, listing those that exist', async () => {
    expect(await history.names()).toEqual(['busy', 'nightly']);
    const unknown = await caught(history.read('nightly-eval'));
    expect(unknown.code).toBe('unknown-history');
    expect(unknown.message).toBe(`no metrics history named 'nightly-eval' in ${history.root}`);
    expect(unknown.hint).toBe('existing histories: busy, nightly');
    const invalid = await caught(history.append('../escape', rec('run-1', 1)));
    expect(invalid.message).toBe('invalid metrics history name "../escape"');
    expect(await new MetricsHistory(path.join(tmp, 'none')).names()).toEqual([]);
    expect((await caught(new MetricsHistory(path.join(tmp, 'none')).read('x'))).hint).toBe('none exists yet; a metrics/record@v1 step starts one');
  });

  it('names the file and line of a corrupt record, when reading and before appending', async () => {
    const file = history.fileOf('corrupt');
    await fs.writeFile(file, `${JSON.stringify(rec('run-1', 0.8))}\n\n{"at": "2025-01-02T03:00:00Z", "run": "r"\n`);
    const error = await caught(history.read('corrupt'));
    expect(error.code).toBe('corrupt');
    expect(error.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: not a JSON line \\(`));
    expect(error.hint).toContain('fix or delete that line');
    expect((await caught(history.append('corrupt', rec('run-2', 0.8)))).message).toContain(`${file}:3:`);

    await fs.writeFile(file, `${JSON.stringify({ ...rec('run-1', 0.8), metrics: { accuracy: 'high' } })}\n`);
    expect((await caught(history.read('corrupt'))).message).toBe(`${file}:1: not a metrics record: metrics.accuracy must be a number`);
    await fs.writeFile(file, `${JSON.stringify({ ...rec('run-1', 0.8), at: 'yesterday' })}\n`);
    expect((await caught(history.read('corrupt'))).message).toBe(`${file}:1: not a metrics record: "at" is not a time ("yesterday")`);
  });

  it('starts its line on a new line when a hand-edited file lacks the final newline', async () => {
    const file = history.fileOf('edited');
    await fs.writeFile(file, JSON.stringify(rec('run-1', 0.8)));
    await history.append('edited', rec('run-2', 0.9));
    expect((await history.read('edited')).map((r) => r.run)).toEqual(['run-1', 'run-2']);
  });
});
