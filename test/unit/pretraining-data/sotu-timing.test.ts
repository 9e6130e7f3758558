// How long the full State of the Union corpus takes with an 8000-token vocab. Prints, asserts only sanity.
// Off by default (several seconds on a shared machine): KILN_SOTU_TIMING=1 npx vitest run test/unit/pretraining-data/sotu-timing.test.ts
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildCorpus } from '../../../nlp/corpus/build';
import { buildPretrainingData } from '../../../nlp/pretraining-data/build';
import { epochPermutation, openPretrainingData } from '../../../nlp/pretraining-data/reader';
import { trainTokenizer } from '../../../nlp/tokenizer/trainer';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-ptd-sotu-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe.runIf(process.env.KILN_SOTU_TIMING === '1')('sotu timing', () => {
  it('builds pretraining data for all of sotu', async () => {
    const corpusFile = path.join(dir, 'corpus.txt');
    await buildCorpus({ sources: [{ dataset: 'sotu' }], outFile: corpusFile, baseDir: dir, workDir: path.join(dir, 'work') });
    const { tokenizer } = await trainTokenizer(corpusFile, {}, { vocabSize: 8000 });
    const start = performance.now();
    let tokenized = 0;
    const { stats } = await buildPretrainingData({
      corpusFile,
      tokenizer,
      outDir: path.join(dir, 'data'),
      onProgress: (p) => {
        if (p.phase === 'instances' && tokenized === 0) tokenized = performance.now();
      },
    });
    const end = performance.now();
    const data = await openPretrainingData(path.join(dir, 'data'), { verify: true });
    const train = data.split('train');
    const order = epochPermutation(train.instances, 1, 0);
    const readStart = performance.now();
    for (let b = 0; b < 100; b++) await train.readBatch([...order.subarray(b * 32, (b + 1) * 32)]);
    const readMs = performance.now() - readStart;
    await data.close();
    console.log(
      `sotu, vocab ${tokenizer.vocab.size}, defaults: ${(end - start).toFixed(0)} ms ` +
        `(tokenise ${(tokenized - start).toFixed(0)} ms, instances ${(end - tokenized).toFixed(0)} ms); ` +
        `100 batches of 32: ${readMs.toFixed(0)} ms; rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB\n${JSON.stringify(stats)}`,
    );
    expect(stats.documents.train + stats.documents.validation).toBe(233);
    expect(stats.avg_tokens_per_instance).toBeGreaterThan(100);
  });
});
