import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { activityDeps } from '../../../activities/deps';
import { datasetLoad } from '../../../activities/dataset-load';
import type { Json } from '../../../contract/json';
import type { StepResult } from '../../../compiler/types';
import { loadSplit } from '../../../nlp/dataset/split-file';
import { ArtifactStore } from '../../../store/artifacts';
import type { ArtifactRef } from '../../../store/types';
import { FIXTURES, tempDir } from './helpers';
import { failureOf, runStepActivity } from '../../helpers/activity';

let dir: string;
let store: ArtifactStore;
let server: http.Server;
let baseUrl: string;
const CSV = await fs.readFile(path.join(FIXTURES, 'reviews.csv'));
const CSV_SHA256 = createHash('sha256').update(CSV).digest('hex');

beforeAll(async () => {
  dir = await tempDir('activity');
  store = new ArtifactStore(path.join(dir, 'store'));
  server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-length': CSV.length });
    res.end(CSV);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await fs.rm(dir, { recursive: true, force: true });
});

function runStep(inputs: { [key: string]: Json }, heartbeats: unknown[] = []): Promise<StepResult> {
  const activity = datasetLoad(activityDeps(dir));
  return runStepActivity(activity, { stepId: 'data', baseDir: FIXTURES, inputs }, { attempt: 3, heartbeats });
}

describe('dataset/load@v1', () => {
  it('stores three split files and labels.json, and returns the stats inline', async () => {
    const result = await runStep({ sources: [{ file: 'reviews.csv' }] });
    expect(result.attempt).toBe(3);
    const { train, validation, test, labels, stats } = result.outputs as { [name: string]: ArtifactRef };
    expect(train).toMatchObject({ kind: 'dataset-split', meta: { split: 'train', examples: 2, num_labels: 2, text_pair: false } });
    expect(validation).toMatchObject({ kind: 'dataset-split', meta: { split: 'validation', examples: 2 } });
    expect(test).toMatchObject({ kind: 'dataset-split', meta: { split: 'test', examples: 2 } });
    expect(labels).toMatchObject({ kind: 'labels', meta: { num_labels: 2, names: ['negative', 'positive'] } });
    for (const ref of [train!, validation!, test!, labels!]) expect(await store.verify(ref)).toBe(true);
    expect(await store.readJson(labels!)).toEqual({ names: ['negative', 'positive'], counts: { negative: 3, positive: 3 } });
    const examples = await loadSplit(store.pathOf(train!));
    expect(examples.map((e) => e.label).sort()).toEqual([0, 1]);
    expect(stats).toMatchObject({ rows: 9, duplicates: 2, conflicting_duplicates: 1, empty_texts: 1 });
    // Nothing is left in the store's staging area.
    expect(await fs.readdir(path.join(store.root, 'tmp'))).toEqual([]);
  });

  it('gives the same artifacts when run again', async () => {
    const first = await runStep({ sources: [{ file: 'reviews.csv' }], split: { validation: 0.2, test: 0.2, seed: 4 } });
    const second = await runStep({ sources: [{ file: 'reviews.csv' }], split: { validation: 0.2, test: 0.2, seed: 4 } });
    for (const name of ['train', 'validation', 'test', 'labels']) {
      expect((second.outputs[name] as ArtifactRef).digest).toBe((first.outputs[name] as ArtifactRef).digest);
    }
  });

  it('downloads a url source, checks its sha256 and heartbeats the download', async () => {
    const heartbeats: unknown[] = [];
    const result = await runStep({ sources: [{ url: `${baseUrl}/reviews.csv`, sha256: CSV_SHA256 }] }, heartbeats);
    expect((result.outputs.stats as { rows: number }).rows).toBe(9);
    expect(heartbeats[0]).toMatchObject({ phase: 'download', source: `${baseUrl}/reviews.csv` });
  });

  it('fails without retrying on a sha256 mismatch', async () => {
    const failure = await failureOf(runStep({ sources: [{ file: 'reviews.csv', sha256: '0'.repeat(64) }] }));
    expect(failure).toMatchObject({ type: 'ChecksumMismatch', nonRetryable: true });
    expect(failure.message).toContain(`sha256 is ${CSV_SHA256}`);
  });

  it('fails without retrying on bad data, naming the columns and how to fix it', async () => {
    const failure = await failureOf(runStep({ sources: [{ file: 'reviews.csv' }], text_field: 'txt' }));
    expect(failure).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
    expect(failure.message).toBe(
      'column "txt" not found in reviews.csv; columns: id, text, label\nhint: did you mean "text"? set text_field to one of the columns',
    );
  });

  it('names the step in errors about its `with`', async () => {
    const failure = await failureOf(runStep({ sources: [{ file: 'reviews.csv' }], split: { validation: 0.6, test: 0.5 } }));
    expect(failure.type).toBe('InvalidInput');
    expect(failure.message).toMatch(/^steps\.data\.with\.split: validation \+ test must be below 1 \(got 0\.6 \+ 0\.5 = 1\.1\)/u);
  });

  it('reports a missing file as invalid input', async () => {
    const failure = await failureOf(runStep({ sources: [{ file: 'nope.csv' }] }));
    expect(failure.type).toBe('InvalidInput');
    expect(failure.message).toContain(`${path.join(FIXTURES, 'nope.csv')} does not exist`);
  });
});
