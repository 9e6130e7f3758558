import path from 'node:path';

import type { Json } from '../contract/json';
import { countCorpusWords, unknownRate, type WordCounts } from '../nlp/tokenizer/corpus-words';
import { TokenizerFileError } from '../nlp/tokenizer/errors';
import { BertTokenizer, saveTokenizer, type TokenizerOptions } from '../nlp/tokenizer/tokenizer';
import { trainTokenizer } from '../nlp/tokenizer/trainer';
import { loadVocab } from '../nlp/tokenizer/vocab';
import { corpusPath } from './corpus-artifact';
import { invalidInput } from './failures';
import { defineStep, type StepContext, type StepOutputs } from './step';
import { stepInputs } from './step-inputs';
import { resolveInputPath } from '../system/input-path';

/** `tokenizer/wordpiece@v1`: train a WordPiece vocab on a corpus (or load a vocab.txt) -> a tokenizer artifact. */
export const tokenizerWordpiece = defineStep(run, (error) =>
  error instanceof TokenizerFileError ? invalidInput(error.message, error.hint) : error,
);

async function run(step: StepContext): Promise<StepOutputs> {
  const { input, deps } = step;
  const inputs = stepInputs('tokenizer/wordpiece@v1', input);
  const options: TokenizerOptions = {
    lowercase: inputs.lowercase,
    stripAccents: inputs.strip_accents,
    handleChineseChars: inputs.handle_chinese_chars,
    cleanText: inputs.clean_text,
  };
  const corpusFile = inputs.corpus && (await corpusPath(deps.store, inputs.corpus));

  let tokenizer: BertTokenizer;
  let words: WordCounts | undefined;
  if (inputs.vocab !== undefined) {
    const vocab = await loadVocab(resolveInputPath(input.baseDir, inputs.vocab));
    tokenizer = new BertTokenizer(vocab, options);
    if (corpusFile) {
      const split = (line: string): string[] => tokenizer.words(line);
      words = await countCorpusWords(corpusFile, split, (p) => step.progressOrStop({ phase: 'count', ...p }));
    }
  } else {
    const trained = await trainTokenizer(corpusFile!, options, {
      vocabSize: inputs.vocab_size,
      minFrequency: inputs.min_frequency,
      onProgress: step.progressOrStop,
    });
    ({ tokenizer, words } = trained);
  }

  const unk = words ? unknownRate(tokenizer.wordPiece, words.counts) : undefined;
  const stats: { [key: string]: Json } = {
    vocab_size: tokenizer.vocab.size,
    trained: inputs.vocab === undefined,
    words_seen: words?.total ?? 0,
    distinct_words: words?.counts.size ?? 0,
    tokens: unk?.tokens ?? 0,
    unk_rate: unk ? unk.unkRate : null,
  };

  const dir = path.join(await step.staging('tokenizer'), 'tokenizer');
  await saveTokenizer(tokenizer, dir);
  const ref = await deps.store.putDirectory(dir, {
    kind: 'tokenizer',
    meta: { vocab_size: tokenizer.vocab.size, lowercase: tokenizer.normalizer.lowercase },
  });
  step.log(`tokenizer ${ref.digest} (${tokenizer.vocab.size} tokens, unk rate ${stats.unk_rate})`);
  return { tokenizer: ref, stats };
}
