// Property: whatever interleaving of put / corrupt / verify / repair / gc / cache save and lookup / step reads,
// a step never gets a corrupt byte. A step read either sees content that hashes to the digest it was given, or
// fails with CorruptArtifact (or finds the artifact gone); a cache hit only names artifacts that verify; a put
// always leaves intact content under the name it returns. Seeded, so a failure replays exactly.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';

import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';

import { cacheLayer } from '../../../activities/cached-step';
import type { Catalog } from '../../../compiler/catalog';
import type { Json } from '../../../contract/json';
import type { StepInput } from '../../../compiler/types';
import { contentDigest } from '../../../store/artifacts';
import { collectGarbage } from '../../../store/gc';
import { artifactRefsIn } from '../../../store/references';
import { repairStore } from '../../../store/repair';
import type { ArtifactRef } from '../../../store/types';
import { verifyStore } from '../../../store/verify';
import { seededRng } from '../../helpers/seeded-rng';
import { putDir, tempHome, type TempHome } from './helpers';

const SEED = 20261206;
const INTERLEAVINGS = 300;
const OPS = 12;


const TEXTS = ['call me ishmael\n', 'some years ago\n', 'never mind how long precisely\n', 'x'.repeat(5000)];
const LABELS = ['alpha', 'beta'];
const noCatalog = { get: () => undefined } as unknown as Catalog;

/** What the content under a ref hashes to now, hashed afresh (no per-process memo); undefined when gone. */
async function freshDigest(t: TempHome, ref: ArtifactRef): Promise<string | undefined> {
  return contentDigest(t.store.pathOf(ref)).then(
    (d) => `sha256:${d.hex}`,
    () => undefined,
  );
}

async function filesUnder(p: string): Promise<string[]> {
  if (!(await fs.stat(p)).isDirectory()) return [p];
  const entries = await fs.readdir(p, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)).sort();
}

interface Tally {
  [op: string]: number;
}

async function interleaving(seed: number, tally: Tally): Promise<void> {
  const random = seededRng(seed);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
  const count = (what: string) => (tally[what] = (tally[what] ?? 0) + 1);
  const t = await tempHome();
  const refs: ArtifactRef[] = [];
  const keys: string[] = [];
  const parts = { type: 'test/x@v1', implementation: 1, inputs: {} };
  const owner = { pipeline: 'p', stepId: 's' };
  try {
    for (let op = 0; op < OPS; op++) {
      const r = random();
      if (r < 0.18 || refs.length === 0) {
        let ref: ArtifactRef;
        if (random() < 0.6) {
          const file = path.join(await t.store.stagingDir('prop'), 'f.txt');
          await fs.writeFile(file, pick(TEXTS));
          ref = await t.store.putFile(file, { kind: 'corpus' });
        } else ref = await putDir(t.store, pick(LABELS));
        // A put leaves intact content under the name it returns, whatever was stored there before.
        expect(await freshDigest(t, ref)).toBe(ref.digest);
        refs.push(ref);
        count('put');
      } else if (r < 0.38) {
        const files = await filesUnder(t.store.pathOf(pick(refs))).catch(() => []);
        if (files.length === 0) continue;
        const file = pick(files);
        const bytes = await fs.readFile(file);
        const how = random();
        if (how < 0.6 && bytes.length > 0) bytes[Math.floor(random() * bytes.length)]! ^= 1 + Math.floor(random() * 255);
        // Sometimes with the mtime put back to the nanosecond (`touch -r`): only ctime and the bytes tell.
        const keepTime = random() < 0.3;
        const timeRef = path.join(t.home, 'time-ref');
        if (keepTime) execFileSync('touch', ['-r', file, timeRef]);
        await fs.writeFile(file, how < 0.6 ? bytes : how < 0.8 ? bytes.subarray(0, bytes.length >> 1) : Buffer.concat([bytes, Buffer.from('!')]));
        if (keepTime) execFileSync('touch', ['-r', timeRef, file]);
        count('corrupt');
      } else if (r < 0.46) {
        const report = await verifyStore({ home: t.home });
        const corrupt = new Set(report.problems.filter((p) => p.kind === 'corrupt-artifact').map((p) => p.path));
        for (const ref of refs) {
          const now = await freshDigest(t, ref);
          if (now !== undefined) expect(corrupt.has(t.store.pathOf(ref))).toBe(now !== ref.digest);
        }
        count('verify');
      } else if (r < 0.52) {
        await repairStore(await verifyStore({ home: t.home }));
        for (const ref of refs) expect([ref.digest, undefined]).toContain(await freshDigest(t, ref));
        count('repair');
      } else if (r < 0.56) {
        const outputs = refs.filter(() => random() < 0.3);
        const runs = { listRuns: async () => [{ workflowId: 'wf', startedAt: '2026-01-01T00:00:00Z', running: false }], runRoots: async () => ({ outputs, resumedFrom: [] }) };
        await collectGarbage({ home: t.home, keepRuns: 1, runs, minAgeMs: 0 });
        count('gc');
      } else if (r < 0.66) {
        const key = `k${op}`;
        const outputs: { [k: string]: Json } = { main: pick(refs), nested: { list: [pick(refs)], meta: { also: pick(refs) } } };
        await t.cache.save({ key, parts, outputs, createdAt: '', producer: { ...owner, workflowId: 'wf' } });
        keys.push(key);
        count('cache save');
      } else if (r < 0.76) {
        if (keys.length === 0) continue;
        const found = await t.cache.lookup(pick(keys), parts, owner);
        if (found.hit) for (const ref of artifactRefsIn(found.entry.outputs)) expect(await freshDigest(t, ref)).toBe(ref.digest);
        count(found.hit ? 'cache hit' : 'cache miss');
      } else if (r < 0.98) {
        // A step that hashes every byte of what it was given, as a tokenizer would read its corpus.
        const inputs = { corpus: pick(refs), extra: [pick(refs)] };
        const layer = cacheLayer('test/read@v1', noCatalog, { ...t, clock: () => new Date() });
        const step = (input: StepInput) => layer(input, async (input) => {
          const seen: Json[] = [];
          for (const ref of artifactRefsIn(input.inputs)) seen.push([ref.digest, (await freshDigest(t, ref)) ?? 'gone']);
          return { outputs: { seen } };
        });
        const stepInput = { inputs, stepId: 'read', pipeline: 'p', workflowId: 'wf', runId: 'r', baseDir: t.home, cache: false } as unknown as StepInput;
        try {
          const { outputs } = await step(stepInput);
          for (const [claimed, got] of outputs.seen as [string, string][]) expect([claimed, 'gone']).toContain(got);
          count('step read ok');
        } catch (error) {
          expect(error).toBeInstanceOf(ApplicationFailure);
          expect(error).toMatchObject({ type: 'CorruptArtifact', nonRetryable: true });
          const damaged = await Promise.all(artifactRefsIn(inputs).map(async (ref) => [ref.digest, undefined].includes(await freshDigest(t, ref)) === false));
          expect(damaged).toContain(true);
          count('step read refused');
        }
      } else {
        // Let the files age past the racy window, so the per-process verified memo gets used too.
        await new Promise((resolve) => setTimeout(resolve, 60));
        count('wait');
      }
    }
  } finally {
    await t.remove();
  }
}

describe('store property: no corrupt byte reaches a step', () => {
  it(`holds over ${INTERLEAVINGS} seeded interleavings of ${OPS} operations`, async () => {
    const tally: Tally = {};
    const started = Date.now();
    for (let i = 0; i < INTERLEAVINGS; i++) await interleaving(SEED + i, tally);
    console.log(`store property: ${INTERLEAVINGS} interleavings in ${Date.now() - started} ms`, tally);
    // The property is only worth something if both outcomes happened.
    expect(tally['step read ok']).toBeGreaterThan(50);
    expect(tally['step read refused']).toBeGreaterThan(50);
    expect(tally['cache hit']).toBeGreaterThan(20);
  }, 60_000);
});
