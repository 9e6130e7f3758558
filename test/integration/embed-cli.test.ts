// `kiln embed`: stdin lines to JSON vectors, in order and in batches of 32 (embedStream with a counting stand-in for
// the model), then end to end through bin/kiln against a registry holding a tiny real encoder.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { EMBED_BATCH, embedStream } from '../../cli/embed';
import { initBackend } from '../../nlp/backend';
import { disposeBertModel } from '../../nlp/bert/model';
import { bertModelFromSaved, loadSavedModel } from '../../nlp/bert/saved-model';
import { embedTexts } from '../../nlp/bert/sentence-embedding';
import { loadTokenizer } from '../../nlp/tokenizer/tokenizer';
import { directoryDigest } from '../../store/artifacts';
import { ModelRegistry } from '../../store/registry';
import { kiln, repoRoot, type CliResult } from '../helpers/kiln-cli';
import { writeTinyEncoder } from './serve-fixtures';

/** bin/kiln with `input` on stdin (the kiln() helper gives its commands no stdin). */
function kilnWithInput(args: string[], input: string, env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/kiln'), ...args], { cwd: repoRoot, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

describe('embedStream', () => {
  it('prints one JSON array per non-blank line, in order, at most 32 texts per call', async () => {
    const calls: number[] = [];
    const output = new PassThrough();
    const chunks: Buffer[] = [];
    output.on('data', (chunk: Buffer) => chunks.push(chunk));
    const lines = Array.from({ length: 70 }, (_, i) => `text ${i}`);
    const input = Readable.from([`${lines.slice(0, 40).join('\n')}\n\n  \n`, `${lines.slice(40).join('\r\n')}\n`]);
    const count = await embedStream(async (texts) => {
      calls.push(texts.length);
      return texts.map((t) => [Number(t.split(' ')[1]), 0.5]);
    }, { input, output });
    expect(count).toBe(70);
    expect(calls).toEqual([EMBED_BATCH, EMBED_BATCH, 6]);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(lines.map((_, i) => `[${i},0.5]\n`).join(''));
  });
});

describe('kiln embed (bin/kiln)', () => {
  let home: string;
  const env = () => ({ KILN_HOME: home });

  beforeAll(async () => {
    await initBackend('cpu');
    home = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-embed-home-'));
    const registry = new ModelRegistry(path.join(home, 'models'));
    const dir = await writeTinyEncoder(path.join(home, 'e1'), 7);
    const digest = `sha256:${(await directoryDigest(dir)).hex}`;
    const lineage = { workflowId: 'wf', runId: 'run', step: 'deploy' };
    await registry.register('tiny', dir, { kind: 'encoder', digest, source: { uri: 'kiln://x', meta: {} }, lineage, metrics: null });
    await registry.setAlias('tiny', 'production', 1);
  });
  afterAll(async () => {
    await fs.rm(home, { recursive: true, force: true });
  });

  it('embeds stdin in order, blank lines skipped, across batches, as computed in-process (wasm there, cpu here)', async () => {
    const texts = Array.from({ length: 40 }, (_, i) => `${'want '.repeat(1 + (i % 7))}hello ${i % 2 ? 'cafe' : ''}`);
    const result = await kilnWithInput(['embed', '--model', 'tiny:1', '--backend', 'wasm'], `${texts.slice(0, 20).join('\n')}\n\n${texts.slice(20).join('\n')}\n`, env());
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const vectors = result.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as number[]);
    expect(vectors).toHaveLength(40);
    const dir = path.join(home, 'models', 'tiny', '1');
    const saved = await loadSavedModel(dir);
    const model = bertModelFromSaved(saved);
    const expected = embedTexts(model, await loadTokenizer(dir), saved.pooling, saved.maxSeqLength, texts);
    disposeBertModel(model);
    vectors.forEach((v, i) => {
      expect(v).toHaveLength(16);
      v.forEach((x, j) => expect(Math.abs(x - expected[i]![j]!)).toBeLessThan(1e-5));
    });
  });

  it('says in one line (and a hint) when the model or --model is missing', async () => {
    const missing = await kiln(['embed', '--model', 'nope'], { env: env() });
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toBe(
      `kiln: embed: no model named 'nope' is registered (registry ${path.join(home, 'models')})\n  hint: registered models: tiny\n`,
    );
    const empty = await kiln(['embed', '--model', 'tiny'], { env: { KILN_HOME: path.join(home, 'elsewhere') } });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/^kiln: embed: no model named 'tiny' is registered \(registry .*elsewhere\/models\)\n {2}hint: no model is registered yet; deploy one with a model\/deploy@v1 step\n$/);
    const noModel = await kiln(['embed'], { env: env() });
    expect(noModel.code).toBe(2);
    expect(noModel.stderr).toBe('kiln: embed: --model NAME is required\n  hint: e.g. `kiln embed --model sentiment < texts.txt`; `kiln models list` shows the registered models\n');
    const alias = await kiln(['embed', '--model', 'tiny@staging'], { env: env() });
    expect(alias.code).toBe(2);
    expect(alias.stderr).toMatch(/^kiln: embed: model 'tiny' has no alias 'staging'\n {2}hint: its aliases: production → 1;/);
  });
});
