// Run by thread.test.ts as `node --import tsx` (the way the worker runs, outside vitest): trains 3 steps in the
// training thread, then starts one on a missing data directory, and prints both outcomes as one JSON line.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { stepDefaults } from '../../../compiler/step-inputs';
import { pretrainConfig } from '../../../nlp/bert/train-config';
import { TrainingThreadError } from '../../../nlp/training/thread-messages';
import { type TrainingJob } from '../../../nlp/bert/training-job';
import { runPretrainingThread } from '../../../nlp/bert/training-runner';
import { buildPretrainingData } from '../../../nlp/pretraining-data/build';
import { BertTokenizer, saveTokenizer } from '../../../nlp/tokenizer/tokenizer';
import { Vocab } from '../../../nlp/tokenizer/vocab';

const words = ['the', 'cat', 'dog', 'sat', 'ran', 'on', 'mat', 'big'];
const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-thread-'));
try {
  const tokenizer = new BertTokenizer(Vocab.fromTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...words]));
  await saveTokenizer(tokenizer, path.join(dir, 'tok'));
  const docs = Array.from({ length: 6 }, (_, d) => Array.from({ length: 4 }, (_, s) => Array.from({ length: 5 }, (_, w) => words[(d + s * 3 + w * 5) % 8]).join(' ')).join('\n'));
  await fs.writeFile(path.join(dir, 'corpus.txt'), docs.join('\n\n') + '\n');
  const dataDir = path.join(dir, 'data');
  const built = await buildPretrainingData({ corpusFile: path.join(dir, 'corpus.txt'), tokenizer, outDir: dataDir, options: { ...stepDefaults('bert/pretraining-data@v1'), max_seq_length: 16, max_predictions_per_seq: 3, dupe_factor: 1, seed: 1 } });
  const defaults = stepDefaults('bert/pretrain@v1');
  const config = pretrainConfig(
    { ...defaults, model: { ...defaults.model, hidden_size: 16, num_layers: 1, num_heads: 2, intermediate_size: 32, max_position_embeddings: 16 }, batch_size: 2, steps: 3, backend: 'wasm' },
    { vocabSize: 13, maxSeqLength: 16, trainInstances: built.manifest.splits.train.instances },
  );
  const job: TrainingJob = {
    config,
    identity: { seed: config.training.seed },
    dataDir,
    tokenizerDir: path.join(dir, 'tok'),
    checkpointDir: path.join(dir, 'ckpt'),
    resumeHint: null,
    earlierDirs: [],
    modelDir: path.join(dir, 'model'),
    lineage: {},
  };
  await fs.mkdir(job.checkpointDir);
  const steps: number[] = [];
  const done = await runPretrainingThread(job, { onProgress: (p) => steps.push(p.step) });
  const failed = await runPretrainingThread({ ...job, dataDir: path.join(dir, 'missing') }).catch((e: unknown) => e);
  const failure = failed instanceof TrainingThreadError ? { kind: failed.kind, name: failed.name, message: failed.message } : String(failed);
  console.log(JSON.stringify({ status: done.status, steps, backend: done.backend.name, model: (await fs.readdir(job.modelDir)).sort(), failure }));
} finally {
  await fs.rm(dir, { recursive: true, force: true });
}
