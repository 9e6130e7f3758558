// A Hugging Face BERT directory (config.json, model.safetensors, tokenizer.json or vocab.txt, and sentence-transformers'
// modules.json with its pooling when present) made into a kiln model directory (nlp/bert/saved-model.ts) and a kiln
// tokenizer directory. Every weight kiln's BERT has must be there with its shape, except the heads a published
// encoder often lacks (masked-LM, next-sentence, pooler), which are reported and recorded as absent.
import fs from 'node:fs/promises';
import path from 'node:path';

import type { Json } from '../../contract/json';
import { bertWeightLayout } from '../bert/params';
import { CLS_POOLING, type Pooling } from '../bert/pooling';
import { defaultMaxSeqLength, headOf, HEADS, writeSavedModel, type Head } from '../bert/saved-model';
import type { TensorData } from '../bert/tensor-file';
import { saveTokenizer, tokenizerFromConfig } from '../tokenizer/tokenizer';
import { Vocab } from '../tokenizer/vocab';
import { bertConfigFromHf } from './config';
import { HfFormatError } from './errors';
import { readSafetensors, toFloat32 } from './safetensors';
import { readSentenceTransformers } from './sentence-transformers';
import { readHfTokenizer } from './tokenizer';
import { hfToKiln, transpose2d } from './weight-names';

export interface ImportReport {
  [key: string]: Json;
  architectures: string[];
  /** Weights imported, and their parameter count. */
  weights: number;
  parameters: number;
  /** Heads the checkpoint lacks (kiln's names: mlm, nsp, pooler). */
  absent: Head[];
  /** Tensors in the file kiln does not need, with why. */
  ignored: Array<{ name: string; reason: string }>;
  pooling: { mode: string; normalize: boolean };
  max_seq_length: number;
  vocab_size: number;
  /** The file the tokenizer came from (tokenizer.json or vocab.txt). */
  tokenizer: string;
}

export interface ImportedModel {
  report: ImportReport;
}

const HEAD_NAMES: Record<Head, string> = { mlm: 'masked-LM head', nsp: 'next-sentence head', pooler: 'pooler' };

async function readJsonFile(file: string, missingHint: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new HfFormatError('not found', file, missingHint);
    throw new HfFormatError(`cannot read it: ${(error as Error).message}`, file);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HfFormatError(`not valid JSON (${(error as Error).message})`, file, 'download the file again');
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function weightsFile(dir: string): Promise<string> {
  const file = path.join(dir, 'model.safetensors');
  if (await exists(file)) return file;
  if (await exists(path.join(dir, 'pytorch_model.bin'))) {
    throw new HfFormatError(
      'kiln reads weights from model.safetensors; this directory has only pytorch_model.bin (a pickle, which kiln does not execute)',
      path.join(dir, 'pytorch_model.bin'),
      `convert it once with transformers: python -c "from transformers import AutoModel as M; M.from_pretrained('${dir}').save_pretrained('${dir}', safe_serialization=True)"`,
    );
  }
  throw new HfFormatError('not found', file, 'a Hugging Face model directory holds config.json, model.safetensors and tokenizer.json (or vocab.txt)');
}

/**
 * Reads the Hugging Face model in `srcDir` and writes kiln's model directory to `modelDir` and tokenizer directory to
 * `tokenizerDir`. Throws HfFormatError, naming the file, for anything kiln cannot import.
 */
export async function importHfModel(
  srcDir: string,
  out: { modelDir: string; tokenizerDir: string },
  provenance: { [key: string]: Json },
): Promise<ImportedModel> {
  if (!(await fs.stat(srcDir).catch(() => undefined))?.isDirectory()) {
    throw new HfFormatError('no such directory', srcDir, 'give a Hugging Face model directory (`kiln setup minilm` downloads all-MiniLM-L6-v2 and prints its directory)');
  }
  const configFile = path.join(srcDir, 'config.json');
  const hfConfig = await readJsonFile(configFile, 'a Hugging Face model directory holds config.json, model.safetensors and tokenizer.json (or vocab.txt)');
  const config = bertConfigFromHf(hfConfig, configFile);
  const architectures = ((hfConfig as { architectures?: unknown }).architectures as string[] | undefined) ?? [];

  const hfTokenizer = await readHfTokenizer(srcDir);
  const vocab = Vocab.fromTokens(hfTokenizer.tokens, hfTokenizer.source);
  if (vocab.size !== config.vocab_size) {
    throw new HfFormatError(
      `vocab_size is ${config.vocab_size}, but ${path.basename(hfTokenizer.source)} has ${vocab.size} tokens`,
      configFile,
      'the tokenizer and the weights belong to different models; download the directory again',
    );
  }
  const sentence = await readSentenceTransformers(srcDir);

  const file = await weightsFile(srcDir);
  const safetensors = await readSafetensors(file);
  const found = new Map<string, { hf: string; transpose: boolean }>();
  const ignored: ImportReport['ignored'] = [];
  const unknown: string[] = [];
  for (const name of safetensors.tensors.keys()) {
    const mapping = hfToKiln(name);
    if (mapping === undefined) {
      if (name === 'classifier.weight' || name === 'classifier.bias') {
        ignored.push({ name, reason: 'a sequence-classification head: kiln imports the encoder; fine-tune it with bert/finetune@v1' });
      } else unknown.push(name);
    } else if ('ignore' in mapping) ignored.push({ name, reason: mapping.ignore });
    else if (found.has(mapping.kiln)) {
      throw new HfFormatError(`'${name}' and '${found.get(mapping.kiln)!.hf}' are both ${mapping.kiln}`, file, 'the file holds two models; export one');
    } else found.set(mapping.kiln, { hf: name, transpose: mapping.transpose });
  }
  if (unknown.length > 0) {
    throw new HfFormatError(
      `has weights kiln's BERT does not: ${listNames(unknown)}`,
      file,
      `config.json says model_type 'bert', but these names are not BERT's (or the checkpoint has ${config.num_layers} layers in config.json and more in the file)`,
    );
  }

  const untied = (hfConfig as { tie_word_embeddings?: unknown }).tie_word_embeddings === false;
  const decoder = [...safetensors.tensors.keys()].find((name) => name.endsWith('cls.predictions.decoder.weight'));
  if (untied && decoder !== undefined) {
    throw new HfFormatError(
      `tie_word_embeddings is false and the weights have their own '${decoder}': kiln's masked-LM head shares the word embeddings`,
      configFile,
      'import the encoder alone: remove the cls.predictions.* weights (fill-mask then needs a fine-tuned head)',
    );
  }
  const layout = bertWeightLayout(config);
  const expected = new Set(layout.map((w) => w.name));
  const beyond = [...found].filter(([kiln]) => !expected.has(kiln)).map(([, { hf }]) => hf);
  if (beyond.length > 0) {
    throw new HfFormatError(
      `has weights kiln's BERT does not: ${listNames(beyond)}`,
      file,
      `config.json describes ${config.num_layers} layers; the weights and config.json belong to different models`,
    );
  }
  const missingByHead = new Map<Head, string[]>();
  const missing: string[] = [];
  for (const { name } of layout) {
    if (found.has(name)) continue;
    const head = headOf(name);
    if (head) missingByHead.set(head, [...(missingByHead.get(head) ?? []), name]);
    else missing.push(name);
  }
  // A head is absent when none of its weights is there; part of one is a damaged file.
  const absent: Head[] = [];
  for (const head of HEADS) {
    const lacking = missingByHead.get(head) ?? [];
    const all = layout.filter((w) => headOf(w.name) === head).length;
    if (lacking.length === all) absent.push(head);
    else missing.push(...lacking);
  }
  if (missing.length > 0) {
    throw new HfFormatError(`lacks weights kiln's BERT needs: ${listNames(missing)}`, file, 'the file is incomplete or belongs to another architecture; download it again');
  }

  const weights = new Map<string, TensorData>();
  let parameters = 0;
  for (const { name, shape } of layout) {
    const source = found.get(name);
    if (!source) continue;
    const entry = safetensors.tensors.get(source.hf)!;
    const stored = source.transpose ? [...entry.shape].reverse() : entry.shape;
    if (stored.length !== shape.length || stored.some((d, i) => d !== shape[i])) {
      const want = source.transpose ? [...shape].reverse() : shape;
      throw new HfFormatError(`'${source.hf}' has shape [${entry.shape}], config.json needs [${want}]`, file, 'config.json and the weights belong to different models');
    }
    const values = toFloat32(entry, source.hf, file);
    weights.set(name, { values: source.transpose ? transpose2d(values, entry.shape[0]!, entry.shape[1]!) : values, shape });
    parameters += values.length;
  }

  const tokenizer = tokenizerFromConfig(vocab, hfTokenizer.config);
  await saveTokenizer(tokenizer, out.tokenizerDir);
  const pooling: Pooling = sentence?.pooling ?? CLS_POOLING;
  const maxSeqLength = Math.min(sentence?.maxSeqLength ?? defaultMaxSeqLength(config), config.max_position_embeddings);
  const report: ImportReport = {
    architectures,
    weights: weights.size,
    parameters,
    absent,
    ignored,
    pooling: { ...pooling },
    max_seq_length: maxSeqLength,
    vocab_size: vocab.size,
    tokenizer: path.basename(hfTokenizer.source),
  };
  await writeSavedModel(out.modelDir, config, weights, {
    tokenizerDir: out.tokenizerDir,
    kiln: { type: 'model/import@v1', architectures, ...provenance },
    card: { steps: 0, seed: 0, backend: 'none', metrics: { train: null, validation: null }, lineage: provenance, imported: report },
    ...(sentence ? { pooling } : {}),
    maxSeqLength,
    absent,
  });
  return { report };
}

/** Up to eight names, then how many more. */
function listNames(names: string[]): string {
  const shown = names.slice(0, 8).map((n) => `'${n}'`).join(', ');
  return names.length > 8 ? `${shown} and ${names.length - 8} more` : shown;
}

/** "pooler" → "pooler", for messages: which heads a model lacks, in words. */
export function describeAbsent(absent: readonly Head[]): string {
  return absent.map((head) => HEAD_NAMES[head]).join(', ');
}
