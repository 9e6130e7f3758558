// Hugging Face import and export on tiny models: exports import back to the same weights.bin, byte for byte; every
// kind of bad directory fails with one line naming the file (and the tensor, where there is one).
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { initBackend } from '../../../nlp/backend';
import { bertConfig, type BertConfig } from '../../../nlp/bert/config';
import { createBertModel, disposeBertModel } from '../../../nlp/bert/model';
import { bertModelFromSaved, headOf, loadSavedModel, saveBertModel, writeSavedModel } from '../../../nlp/bert/saved-model';
import type { TensorData } from '../../../nlp/bert/tensor-file';
import { HfFormatError } from '../../../nlp/hf/errors';
import { exportHfModel } from '../../../nlp/hf/export';
import { importHfModel } from '../../../nlp/hf/import';
import { parseSafetensors, serializeSafetensors } from '../../../nlp/hf/safetensors';
import { BertTokenizer, saveTokenizer } from '../../../nlp/tokenizer/tokenizer';
import { Vocab } from '../../../nlp/tokenizer/vocab';

const CONFIG: BertConfig = bertConfig(
  { hidden_size: 16, num_layers: 2, num_heads: 2, intermediate_size: 32, max_position_embeddings: 24, type_vocab_size: 2, hidden_dropout: 0.1, attention_dropout: 0.1, initializer_range: 0.02 },
  40,
);
const card = { steps: 0, seed: 0, backend: 'none', metrics: { train: null, validation: null }, lineage: {} };

let tmp: string;
let tokenizerDir: string;
/** A kiln-pretrained model (all heads) exported as BertForPreTraining; and one without heads, as BertModel. */
let withHeads: string;
let headless: string;
let pretrainedExport: string;
let headlessExport: string;

const sha256 = async (file: string) => createHash('sha256').update(await fs.readFile(file)).digest('hex');

async function copyDir(from: string, name: string): Promise<string> {
  const to = path.join(tmp, name);
  await fs.cp(from, to, { recursive: true });
  return to;
}

async function importError(dir: string): Promise<HfFormatError | Error> {
  const out = path.join(tmp, `out-${path.basename(dir)}`);
  const error = await importHfModel(dir, { modelDir: path.join(out, 'model'), tokenizerDir: path.join(out, 'tokenizer') }, {}).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(error, `importing ${dir} should fail`).toBeDefined();
  // One line, whatever went wrong.
  expect(error!.message).not.toContain('\n');
  return error!;
}

/** Rewrites a safetensors file through `edit` of its tensors. */
async function editWeights(dir: string, edit: (tensors: Map<string, { shape: number[]; values: Float32Array }>) => void): Promise<void> {
  const file = path.join(dir, 'model.safetensors');
  const parsed = parseSafetensors(await fs.readFile(file), file);
  const tensors = new Map([...parsed.tensors].map(([name, e]) => [name, { shape: e.shape, values: new Float32Array(new Uint8Array(e.bytes).buffer) }]));
  edit(tensors);
  await fs.writeFile(file, serializeSafetensors(tensors));
}

beforeAll(async () => {
  await initBackend('cpu');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-hf-'));
  tokenizerDir = path.join(tmp, 'tokenizer');
  const tokens = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...Array.from({ length: CONFIG.vocab_size - 5 }, (_, i) => `w${i}`)];
  await saveTokenizer(new BertTokenizer(Vocab.fromTokens(tokens)), tokenizerDir);

  const model = createBertModel(CONFIG, 11);
  withHeads = path.join(tmp, 'kiln-with-heads');
  await saveBertModel(withHeads, model, { tokenizerDir, kiln: {}, card });
  const encoderOnly = new Map<string, TensorData>();
  for (const { name, variable } of model.variables) {
    const head = headOf(name);
    if (head !== 'mlm' && head !== 'nsp') encoderOnly.set(name, { values: variable.dataSync() as Float32Array, shape: variable.shape });
  }
  headless = path.join(tmp, 'kiln-headless');
  await writeSavedModel(headless, CONFIG, encoderOnly, { tokenizerDir, kiln: {}, card, pooling: { mode: 'mean', normalize: true }, maxSeqLength: 20, absent: ['mlm', 'nsp'] });
  disposeBertModel(model);

  pretrainedExport = path.join(tmp, 'hf-pretraining');
  headlessExport = path.join(tmp, 'hf-headless');
  await exportHfModel(withHeads, pretrainedExport);
  await exportHfModel(headless, headlessExport);
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('export', () => {
  it('writes BertForPreTraining for a model with both heads, BertModel for one without', async () => {
    const pretraining = JSON.parse(await fs.readFile(path.join(pretrainedExport, 'config.json'), 'utf8'));
    expect(pretraining).toMatchObject({ architectures: ['BertForPreTraining'], model_type: 'bert', hidden_size: 16, num_hidden_layers: 2, vocab_size: 40 });
    const names = [...parseSafetensors(await fs.readFile(path.join(pretrainedExport, 'model.safetensors')), 'x').tensors.keys()];
    expect(names).toContain('bert.encoder.layer.1.attention.self.query.weight');
    expect(names).toContain('cls.predictions.bias');
    expect(names).toContain('cls.seq_relationship.weight');
    const bare = [...parseSafetensors(await fs.readFile(path.join(headlessExport, 'model.safetensors')), 'x').tensors.keys()];
    expect(bare).toContain('encoder.layer.0.output.LayerNorm.weight');
    expect(bare.some((n) => n.startsWith('cls.') || n.startsWith('bert.'))).toBe(false);
    expect((await fs.readdir(headlessExport)).sort()).toEqual(['config.json', 'model.safetensors', 'tokenizer_config.json', 'vocab.txt']);
    expect(await fs.readFile(path.join(headlessExport, 'vocab.txt'), 'utf8')).toBe(await fs.readFile(path.join(tokenizerDir, 'vocab.txt'), 'utf8'));
  });

  it('stores dense kernels transposed, as PyTorch Linear weights [out, in]', async () => {
    const saved = await loadSavedModel(withHeads);
    const kernel = saved.weights.get('encoder/layer_0/intermediate/kernel')!; // [16, 32]
    const file = path.join(pretrainedExport, 'model.safetensors');
    const entry = parseSafetensors(await fs.readFile(file), file).tensors.get('bert.encoder.layer.0.intermediate.dense.weight')!;
    expect(entry.shape).toEqual([32, 16]);
    const values = new Float32Array(new Uint8Array(entry.bytes).buffer);
    expect(values[3 * 16 + 5]).toBe(kernel.values[5 * 32 + 3]);
  });
});

describe('import', () => {
  it('gives back the exported weights.bin byte for byte, with and without heads', async () => {
    for (const [kiln, exported] of [
      [withHeads, pretrainedExport],
      [headless, headlessExport],
    ] as const) {
      const out = path.join(tmp, `roundtrip-${path.basename(kiln)}`);
      const { report } = await importHfModel(exported, { modelDir: path.join(out, 'model'), tokenizerDir: path.join(out, 'tokenizer') }, {});
      expect(await sha256(path.join(out, 'model', 'weights.bin'))).toBe(await sha256(path.join(kiln, 'weights.bin')));
      expect(await fs.readFile(path.join(out, 'tokenizer', 'vocab.txt'), 'utf8')).toBe(await fs.readFile(path.join(tokenizerDir, 'vocab.txt'), 'utf8'));
      expect(report.absent).toEqual(kiln === headless ? ['mlm', 'nsp'] : []);
      const saved = await loadSavedModel(path.join(out, 'model'));
      expect(saved.config).toEqual(CONFIG);
      bertModelFromSaved(saved).variables.forEach(({ variable }) => variable.dispose());
    }
  });

  it('refuses a directory without config.json', async () => {
    const dir = await copyDir(headlessExport, 'no-config');
    await fs.rm(path.join(dir, 'config.json'));
    const error = await importError(dir);
    expect(error).toBeInstanceOf(HfFormatError);
    expect(error.message).toBe(`${path.join(dir, 'config.json')}: not found`);
  });

  it('refuses a model type that is not BERT, naming it', async () => {
    const dir = await copyDir(headlessExport, 'roberta');
    const file = path.join(dir, 'config.json');
    await fs.writeFile(file, JSON.stringify({ ...JSON.parse(await fs.readFile(file, 'utf8')), model_type: 'roberta' }));
    expect((await importError(dir)).message).toMatch(new RegExp(`^${file}: .*roberta`));
  });

  it('refuses a truncated model.safetensors', async () => {
    const dir = await copyDir(headlessExport, 'truncated');
    const file = path.join(dir, 'model.safetensors');
    const bytes = await fs.readFile(file);
    await fs.writeFile(file, bytes.subarray(0, bytes.length - 100));
    expect((await importError(dir)).message).toMatch(new RegExp(`^${file}: .*truncated`, 'i'));
  });

  it('refuses a header that lies about offsets', async () => {
    const dir = await copyDir(headlessExport, 'lying');
    const file = path.join(dir, 'model.safetensors');
    const bytes = Buffer.from(await fs.readFile(file));
    const n = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.toString('utf8', 8, 8 + n)) as Record<string, { data_offsets?: number[] }>;
    const name = 'encoder.layer.0.attention.self.key.bias';
    header[name]!.data_offsets = [header[name]!.data_offsets![0]!, header[name]!.data_offsets![1]! + 4];
    const text = JSON.stringify(header).padEnd(n, ' ');
    expect(Buffer.byteLength(text)).toBe(n);
    bytes.write(text, 8, 'utf8');
    await fs.writeFile(file, bytes);
    expect((await importError(dir)).message).toMatch(new RegExp(`^${file}: .*${name.replaceAll('.', '\\.')}`));
  });

  it('refuses a tokenizer that is not WordPiece', async () => {
    const dir = await copyDir(headlessExport, 'bpe');
    await fs.rm(path.join(dir, 'vocab.txt'));
    const tokenizer = { version: '1.0', model: { type: 'BPE', vocab: { a: 0 }, merges: [] } };
    await fs.writeFile(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
    expect((await importError(dir)).message).toMatch(new RegExp(`^${path.join(dir, 'tokenizer.json')}: .*BPE`));
  });

  it('refuses a vocab whose size disagrees with the embeddings', async () => {
    const dir = await copyDir(headlessExport, 'vocab-size');
    const file = path.join(dir, 'vocab.txt');
    await fs.appendFile(file, 'extra1\nextra2\n');
    const message = (await importError(dir)).message;
    expect(message).toContain('config.json');
    expect(message).toMatch(/vocab_size is 40, but vocab\.txt has 42 tokens/);
  });

  it('lists missing and unknown weights by name, and names the tensor and both shapes of a mismatch', async () => {
    const missing = await copyDir(headlessExport, 'missing');
    await editWeights(missing, (t) => void t.delete('encoder.layer.1.intermediate.dense.bias'));
    expect((await importError(missing)).message).toMatch(/model\.safetensors: lacks weights kiln's BERT needs: 'encoder\/layer_1\/intermediate\/bias'/);

    const extra = await copyDir(headlessExport, 'extra');
    await editWeights(extra, (t) => void t.set('encoder.layer.2.output.dense.bias', { shape: [16], values: new Float32Array(16) }));
    expect((await importError(extra)).message).toMatch(/model\.safetensors: has weights kiln's BERT does not: 'encoder\.layer\.2\.output\.dense\.bias'/);

    const shape = await copyDir(headlessExport, 'shape');
    await editWeights(shape, (t) => void t.set('pooler.dense.bias', { shape: [17], values: new Float32Array(17) }));
    expect((await importError(shape)).message).toMatch(/model\.safetensors: 'pooler\.dense\.bias' has shape \[17\], config\.json needs \[16\]/);
  });

  it('refuses a masked-LM decoder that is not tied to the word embeddings', async () => {
    const dir = await copyDir(pretrainedExport, 'untied');
    const file = path.join(dir, 'config.json');
    await fs.writeFile(file, JSON.stringify({ ...JSON.parse(await fs.readFile(file, 'utf8')), tie_word_embeddings: false }));
    await editWeights(dir, (t) => void t.set('cls.predictions.decoder.weight', { shape: [40, 16], values: new Float32Array(640) }));
    expect((await importError(dir)).message).toMatch(new RegExp(`^${file}: tie_word_embeddings is false`));
  });

  it('refuses pytorch_model.bin with how to convert it', async () => {
    const dir = await copyDir(headlessExport, 'pickle');
    await fs.rename(path.join(dir, 'model.safetensors'), path.join(dir, 'pytorch_model.bin'));
    const error = (await importError(dir)) as HfFormatError;
    expect(error.message).toMatch(/pytorch_model\.bin: kiln reads weights from model\.safetensors/);
    expect(error.hint).toContain('safe_serialization=True');
  });
});
