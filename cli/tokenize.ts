import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

import type { Command } from 'commander';

import { TokenizerFileError } from '../nlp/tokenizer/errors';
import { BertTokenizer } from '../nlp/tokenizer/tokenizer';
import { loadVocab } from '../nlp/tokenizer/vocab';
import { UserError } from './user-error';

export interface TokenizeIo {
  input: Readable;
  output: Writable;
}

interface TokenizeOptions {
  vocab?: string;
  lowercase: boolean;
}

/** Lines in, one JSON array of ids per line out, `[CLS] … [SEP]` included, nothing truncated. */
export async function tokenizeStream(tokenizer: BertTokenizer, io: TokenizeIo): Promise<number> {
  const lines = createInterface({ input: io.input, crlfDelay: Infinity });
  let count = 0;
  for await (const line of lines) {
    // Respect backpressure: a slow reader must not make us buffer the whole output.
    if (!io.output.write(`[${tokenizer.encode(line).ids.join(',')}]\n`)) {
      await new Promise((resolve) => io.output.once('drain', resolve));
    }
    count++;
  }
  return count;
}

async function tokenize(options: TokenizeOptions, io: TokenizeIo): Promise<void> {
  if (!options.vocab) throw new UserError('tokenize: --vocab FILE is required (a BERT vocab.txt)', undefined, 2);
  let tokenizer: BertTokenizer;
  try {
    tokenizer = new BertTokenizer(await loadVocab(options.vocab), { lowercase: options.lowercase });
  } catch (error) {
    if (error instanceof TokenizerFileError) throw new UserError(`tokenize: ${error.message}`, undefined, 2);
    throw error;
  }
  await tokenizeStream(tokenizer, io);
}

/** `kiln tokenize --vocab FILE [--no-lowercase]`; `io` lets tests stand in for stdin and stdout. */
export function registerTokenizeCommand(
  program: Command,
  io: TokenizeIo = { input: process.stdin, output: process.stdout },
): void {
  program
    .command('tokenize')
    .description('BERT-tokenise stdin: one JSON array of token ids per line, with [CLS] and [SEP], no truncation')
    .option('--vocab <file>', 'vocab.txt, one token per line (e.g. bert-base-uncased)')
    .option('--no-lowercase', 'keep case (and accents): for cased vocabs')
    .addHelpText('after', '\nExit status: 0 on success, 2 when the vocab is missing or unusable.')
    .action((options: TokenizeOptions) => tokenize(options, io));
}
