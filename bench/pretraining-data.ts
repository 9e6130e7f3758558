// The data side of the quickstart at full size: the whole State of the Union corpus, an 8000-token WordPiece
// vocab, and MLM+NSP pretraining data with default settings. Prints a table, writes bench/results/pretraining-data.json.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { stepDefaults } from '../compiler/step-inputs';
import { buildCorpus } from '../nlp/corpus/build';
import { buildPretrainingData } from '../nlp/pretraining-data/build';
import { epochPermutation, openPretrainingData } from '../nlp/pretraining-data/reader';
import { trainTokenizer } from '../nlp/tokenizer/trainer';

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-bench-ptd-'));
try {
  const corpusFile = path.join(dir, 'corpus.txt');
  let t = performance.now();
  await buildCorpus({ sources: [{ dataset: 'sotu' }], outFile: corpusFile, baseDir: dir, workDir: path.join(dir, 'work') });
  const corpusMs = performance.now() - t;
  t = performance.now();
  const { tokenizer } = await trainTokenizer(corpusFile, {}, { vocabSize: 8000 });
  const vocabMs = performance.now() - t;
  const dataStart = performance.now();
  let tokenized = 0;
  const { stats } = await buildPretrainingData({
    corpusFile,
    tokenizer,
    outDir: path.join(dir, 'data'),
    options: stepDefaults('bert/pretraining-data@v1'),
    onProgress: (p) => {
      if (p.phase === 'instances' && tokenized === 0) tokenized = performance.now();
    },
  });
  const dataMs = performance.now() - dataStart;
  t = performance.now();
  const data = await openPretrainingData(path.join(dir, 'data'), { verify: true });
  const verifyMs = performance.now() - t;
  const train = data.split('train');
  const order = epochPermutation(train.instances, 1, 0);
  t = performance.now();
  for (let b = 0; b < 100; b++) await train.readBatch([...order.subarray(b * 32, (b + 1) * 32)]);
  const readMs = performance.now() - t;
  await data.close();

  const rows: Array<[string, number]> = [
    ['corpus (sotu → document format)', corpusMs],
    ['WordPiece vocab, 8000 tokens', vocabMs],
    ['pretraining data, defaults', dataMs],
    ['  of which tokenising the corpus', tokenized - dataStart],
    ['open with sha256 verification', verifyMs],
    ['100 random batches of 32', readMs],
  ];
  console.log(`sotu: ${stats.documents.train + stats.documents.validation} documents, ${stats.tokens} tokens, ` +
    `${stats.instances.train} train + ${stats.instances.validation} validation instances`);
  for (const [what, ms] of rows) console.log(`${what.padEnd(34)} ${ms.toFixed(0).padStart(7)} ms`);
  console.log(`rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
  const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results', 'pretraining-data.json');
  await fs.mkdir(path.dirname(out), { recursive: true });
  await fs.writeFile(out, JSON.stringify({ stats, ms: Object.fromEntries(rows) }, null, 2) + '\n');
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
} finally {
  await fs.rm(dir, { recursive: true, force: true });
}
