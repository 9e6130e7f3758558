import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { kiln } from '../helpers/kiln-cli';

// `kiln store verify` and `kiln store gc --dry-run` on the test run's KILN_HOME and dev server. Other tests' artifacts
// live there too, so the assertions are about this test's own artifact (its corpus content is unique to the run).
const PIPELINE = `apiVersion: kiln/v1
kind: Pipeline
name: store-e2e
defaults:
  retry: { max_attempts: 1 }
steps:
  corpus:
    uses: corpus/download@v1
    with:
      sources: [{ file: corpus.txt }]
`;

let dir: string;
let runId: string;
let artifact: string;
let hex: string;

const home = () => process.env.KILN_HOME!;
const exists = (p: string) =>
  fs.stat(p).then(
    () => true,
    () => false,
  );

/** Cache entries whose outputs name our artifact. */
async function entriesNaming(hexDigest: string): Promise<string[]> {
  const entries = path.join(home(), 'cache', 'entries');
  const names = await fs.readdir(entries).catch(() => [] as string[]);
  const found: string[] = [];
  for (const name of names) {
    const text = await fs.readFile(path.join(entries, name), 'utf8').catch(() => '');
    if (text.includes(hexDigest)) found.push(name);
  }
  return found;
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-store-e2e-'));
  await fs.writeFile(path.join(dir, 'pipeline.yaml'), PIPELINE);
  await fs.writeFile(path.join(dir, 'corpus.txt'), `Store test ${randomBytes(8).toString('hex')} starts here. It has two sentences.\n`);
  const run = await kiln(['run', path.join(dir, 'pipeline.yaml'), '--json']);
  expect(run.code, run.stderr).toBe(0);
  const state = JSON.parse(run.stdout);
  runId = state.runId;
  const uri: string = state.steps[0].outputs.corpus.uri;
  hex = uri.slice('kiln://sha256/'.length);
  artifact = path.join(home(), 'store', 'sha256', hex);
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('kiln store', () => {
  it('verify exits 0 on an intact store and counts our artifact', async () => {
    const result = await kiln(['store', 'verify', '--json']);
    expect(result.code, result.stdout).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.ok).toBe(true);
    expect(report.artifacts.count).toBeGreaterThanOrEqual(1);
    expect(await entriesNaming(hex)).toHaveLength(1);
  });

  it('verify exits 1 naming a corrupted artifact and its cache entry; gc --dry-run keeps it and deletes nothing', async () => {
    await fs.writeFile(artifact, 'not the corpus any more\n');
    const result = await kiln(['store', 'verify']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^\s+artifacts\s+\d+\s+/m);
    expect(result.stdout).toContain(`corrupt  artifact     ${artifact}: its content is sha256:`);
    expect(result.stdout).toMatch(new RegExp(`corrupt  cache entry  \\S+: step "corpus" of store-e2e: output kiln://sha256/${hex} is corrupt`));
    expect(result.stdout).toContain('hint: `kiln store verify --repair`');

    const refused = await kiln(['store', 'gc', '--keep-runs', '0']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('kiln: --keep-runs must be a whole number of at least 1 (got "0")');

    const dry = await kiln(['store', 'gc', '--keep-runs', '1000', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    const report = JSON.parse(dry.stdout);
    expect(report.dryRun).toBe(true);
    expect(report.keptRuns).toContain(runId);
    expect(report.removed.artifacts.items).not.toContain(hex);
    expect(await exists(artifact)).toBe(true);
    const text = await kiln(['store', 'gc', '--keep-runs', '1000', '--dry-run']);
    expect(text.stdout).toMatch(/^dry run, nothing deleted: keeping what the newest 1000 run\(s\) need\n/);
    expect(text.stdout).toMatch(/would remove:\n\s+artifacts\s+\d+/);
    expect(await exists(artifact)).toBe(true);
  });

  it('verify --repair deletes the corrupt artifact and its cache entry, after which verify passes', async () => {
    const repaired = await kiln(['store', 'verify', '--repair']);
    expect(repaired.code, repaired.stdout).toBe(0);
    expect(repaired.stdout).toContain(`  deleted ${artifact}\n`);
    expect(await exists(artifact)).toBe(false);
    expect(await entriesNaming(hex)).toEqual([]);
    const again = await kiln(['store', 'verify', '--json']);
    expect(again.code).toBe(0);
    const report = JSON.parse(again.stdout);
    expect(report.problems.filter((p: { path: string; message: string }) => p.path === artifact || p.message.includes(hex))).toEqual([]);
  });
});

// The scenario: change one word of the stored corpus, then run again with another vocab size. The corpus
// step must store a good copy again (not keep the corrupt one under the old name), so the tokenizer sees the text.
const LINEAGE_PIPELINE = `apiVersion: kiln/v1
kind: Pipeline
name: store-e2e-lineage
params:
  vocab_size: 300
defaults:
  retry: { max_attempts: 1 }
steps:
  corpus:
    uses: corpus/download@v1
    with:
      sources: [{ file: corpus.txt }]
  tokenizer:
    uses: tokenizer/wordpiece@v1
    with:
      corpus: "\${{ steps.corpus.outputs.corpus }}"
      vocab_size: "\${{ params.vocab_size }}"
`;

describe('kiln store: a corrupt stored corpus', () => {
  it('is replaced when its step runs again, and the tokenizer trains on the real text', async () => {
    const where = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-store-lineage-'));
    try {
      await fs.writeFile(path.join(where, 'pipeline.yaml'), LINEAGE_PIPELINE);
      await fs.writeFile(path.join(where, 'corpus.txt'), `Call me Ishmael ${randomBytes(8).toString('hex')}. Some years ago, never mind how long.\n`);
      const run = async (vocab: number) => {
        const result = await kiln(['run', path.join(where, 'pipeline.yaml'), '--set', `vocab_size=${vocab}`, '--json']);
        expect(result.code, result.stderr).toBe(0);
        const steps = JSON.parse(result.stdout).steps as { id: string; cached?: boolean; outputs: { corpus?: { uri: string; digest: string }; stats?: { distinct_words: number } } }[];
        return Object.fromEntries(steps.map((s) => [s.id, s]));
      };
      const first = await run(300);
      const corpus = path.join(home(), 'store', 'sha256', first.corpus!.outputs.corpus!.uri.slice('kiln://sha256/'.length));
      await fs.writeFile(corpus, (await fs.readFile(corpus, 'utf8')).replace('Ishmael', 'Ahab'));

      const second = await run(303);
      expect(second.corpus!.outputs.corpus!.digest).toBe(first.corpus!.outputs.corpus!.digest);
      const { createHash } = await import('node:crypto');
      expect(`sha256:${createHash('sha256').update(await fs.readFile(corpus)).digest('hex')}`).toBe(first.corpus!.outputs.corpus!.digest);
      expect(second.tokenizer!.outputs.stats!.distinct_words).toBe(first.tokenizer!.outputs.stats!.distinct_words);
    } finally {
      await fs.rm(where, { recursive: true, force: true });
    }
  });
});
