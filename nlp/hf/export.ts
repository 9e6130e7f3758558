// A kiln model directory (a pretrained encoder, an imported one, or a fine-tuned classifier) written as a Hugging Face
// model directory that transformers loads: config.json, model.safetensors, vocab.txt and tokenizer_config.json.
//   encoder with both pretraining heads  → BertForPreTraining (encoder under `bert.`, heads under `cls.`)
//   encoder without them                 → BertModel (no prefix)
//   classifier                           → BertForSequenceClassification (`bert.` + `classifier.`, id2label)
// Importing the export gives back the same weights.bin, byte for byte.
import fs from 'node:fs/promises';
import path from 'node:path';

import type { BertConfig } from '../bert/config';
import { headOf, loadSavedModel, SAVED_MODEL_FORMAT, type Head } from '../bert/saved-model';
import type { TensorData } from '../bert/tensor-file';
import { CLASSIFIER_FORMAT, loadSavedClassifier } from '../finetune/saved-classifier';
import { loadTokenizer } from '../tokenizer/tokenizer';
import { hfConfigFromBert } from './config';
import { HfFormatError } from './errors';
import { serializeSafetensors, type Float32Tensor } from './safetensors';
import { writeHfTokenizerFiles } from './tokenizer';
import { kilnToHf, transpose2d } from './weight-names';

export interface ExportResult {
  architecture: 'BertForPreTraining' | 'BertModel' | 'BertForSequenceClassification';
  files: string[];
  tensors: number;
}

interface Source {
  config: BertConfig;
  weights: Map<string, TensorData>;
  absent: Head[];
  maxSeqLength: number;
  labels?: string[];
}

async function readSource(dir: string): Promise<Source> {
  const configFile = path.join(dir, 'config.json');
  let format: unknown;
  try {
    format = (JSON.parse(await fs.readFile(configFile, 'utf8')) as { format?: unknown }).format;
  } catch (error) {
    throw new HfFormatError(`cannot read it: ${(error as Error).message}`, configFile, 'export a model directory kiln wrote (a registered version)');
  }
  if (format === CLASSIFIER_FORMAT) {
    const saved = await loadSavedClassifier(dir);
    return { config: saved.config, weights: saved.weights, absent: [], maxSeqLength: saved.classifier.max_seq_length, labels: saved.classifier.labels };
  }
  if (format === SAVED_MODEL_FORMAT) {
    const saved = await loadSavedModel(dir);
    return { config: saved.config, weights: saved.weights, absent: saved.absent, maxSeqLength: saved.maxSeqLength };
  }
  throw new HfFormatError(`format is ${JSON.stringify(format)}: kiln exports '${SAVED_MODEL_FORMAT}' and '${CLASSIFIER_FORMAT}' directories`, configFile);
}

/** Writes `dir` (a kiln model or classifier directory) to `outDir` in Hugging Face's layout. */
export async function exportHfModel(dir: string, outDir: string): Promise<ExportResult> {
  const source = await readSource(dir);
  const withHeads = !source.absent.includes('mlm') && !source.absent.includes('nsp');
  const architecture: ExportResult['architecture'] = source.labels ? 'BertForSequenceClassification' : withHeads ? 'BertForPreTraining' : 'BertModel';
  const prefix = architecture !== 'BertModel';

  const tensors = new Map<string, Float32Tensor>();
  for (const [name, tensor] of source.weights) {
    // A BertModel has no pretraining heads; a model without them has nothing to write there anyway.
    if (architecture === 'BertModel' && (headOf(name) === 'mlm' || headOf(name) === 'nsp')) continue;
    if (!(tensor.values instanceof Float32Array)) throw new HfFormatError(`'${name}' is not float32`, path.join(dir, 'weights.bin'));
    const { hf, transpose } = kilnToHf(name, { prefix });
    const [rows, cols] = tensor.shape;
    tensors.set(hf, transpose ? { shape: [cols!, rows!], values: transpose2d(tensor.values, rows!, cols!) } : { shape: [...tensor.shape], values: tensor.values });
  }

  await fs.mkdir(outDir, { recursive: true });
  const id2label = source.labels && Object.fromEntries(source.labels.map((label, id) => [String(id), label]));
  const hfConfig = hfConfigFromBert(source.config, { architectures: [architecture], ...(id2label ? { id2label } : {}) });
  await fs.writeFile(path.join(outDir, 'config.json'), JSON.stringify(hfConfig, null, 2) + '\n');
  await fs.writeFile(path.join(outDir, 'model.safetensors'), serializeSafetensors(tensors, { format: 'pt' }));
  await writeHfTokenizerFiles(outDir, await loadTokenizer(dir), { modelMaxLength: source.maxSeqLength });
  const files = (await fs.readdir(outDir)).sort();
  return { architecture, files, tensors: tensors.size };
}
