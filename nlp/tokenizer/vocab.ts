import fs from 'node:fs/promises';

import { TokenizerFileError } from './errors';

/** BERT's special tokens, in the order a trained vocab starts with them. */
export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;
export type SpecialToken = (typeof SPECIAL_TOKENS)[number];

/** Token ↔ id, where the id is the line number (from 0) in vocab.txt. */
export class Vocab {
  private readonly index = new Map<string, number>();

  /** Use `fromTokens` or `loadVocab`: they validate. */
  private constructor(readonly tokens: readonly string[]) {
    // A duplicated token maps to its last line, as in the reference's WordPiece::read_file.
    tokens.forEach((token, id) => this.index.set(token, id));
  }

  /** Checks that every special token is present; `source` names the file in errors. */
  static fromTokens(tokens: readonly string[], source?: string): Vocab {
    if (tokens.length === 0) {
      const hint = 'a vocab.txt has one token per line, e.g. bert-base-uncased/vocab.txt';
      throw new TokenizerFileError('vocab is empty', source, hint);
    }
    const vocab = new Vocab(tokens);
    const missing = SPECIAL_TOKENS.filter((token) => !vocab.index.has(token));
    if (missing.length > 0) {
      throw new TokenizerFileError(
        `vocab lacks the special token${missing.length === 1 ? '' : 's'} ${missing.join(' ')}`,
        source,
        `add ${missing.join(', ')} as lines of their own ` +
          '(BERT vocabs start with [PAD], then [unused*], [UNK], [CLS], [SEP], [MASK])',
      );
    }
    return vocab;
  }

  get size(): number {
    return this.tokens.length;
  }

  get(token: string): number | undefined {
    return this.index.get(token);
  }

  has(token: string): boolean {
    return this.index.has(token);
  }

  /** The id of a token that must be there (the special tokens are). */
  id(token: string): number {
    const id = this.index.get(token);
    if (id === undefined) throw new Error(`token ${JSON.stringify(token)} is not in the vocab`);
    return id;
  }

  token(id: number): string {
    const token = this.tokens[id];
    if (token === undefined) throw new RangeError(`token id ${id} is outside the vocab (size ${this.tokens.length})`);
    return token;
  }
}

/** vocab.txt text → tokens, the way the reference reads it: one per line, trailing whitespace dropped. */
export function parseVocabText(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line) => line.trimEnd());
}

export function vocabText(vocab: Vocab): string {
  return vocab.tokens.map((token) => `${token}\n`).join('');
}

export async function loadVocab(file: string): Promise<Vocab> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new TokenizerFileError(
      `cannot read vocab (${code})`,
      file,
      code === 'ENOENT'
        ? 'check the path; in a pipeline, `vocab:` is relative to the pipeline file'
        : 'the vocab must be a readable text file',
    );
  }
  return Vocab.fromTokens(parseVocabText(text), file);
}

export async function saveVocab(file: string, vocab: Vocab): Promise<void> {
  await fs.writeFile(file, vocabText(vocab));
}
