import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';

import { Command } from 'commander';
import { describe, expect, it } from 'vitest';

import { registerTokenizeCommand } from '../../../cli/tokenize';
import { UserError } from '../../../cli/user-error';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/tokenizer');
const VOCAB = path.join(FIXTURES, 'tiny-vocab.txt');

/** Runs `kiln tokenize ARGS` with `input` as stdin; resolves to stdout. */
async function tokenize(args: string[], input: string[]): Promise<string> {
  const output = new PassThrough();
  const chunks: Buffer[] = [];
  output.on('data', (chunk: Buffer) => chunks.push(chunk));
  const program = new Command('kiln').exitOverride();
  registerTokenizeCommand(program, { input: Readable.from(input), output });
  await program.parseAsync(['tokenize', ...args], { from: 'user' });
  return Buffer.concat(chunks).toString('utf8');
}

describe('kiln tokenize', () => {
  it('prints one JSON array of ids per input line, with [CLS] and [SEP]', async () => {
    const out = await tokenize(['--vocab', VOCAB], ['hello, CAFÉ!\nunwanted run', 'ning\n\n中国\n']);
    expect(out).toBe('[2,16,12,15,14,3]\n[2,9,6,7,10,11,3]\n[2,3]\n[2,17,18,3]\n');
  });

  it('keeps case with --no-lowercase', async () => {
    expect(await tokenize(['--vocab', VOCAB, '--no-lowercase'], ['Hello hello\n'])).toBe('[2,1,16,3]\n');
  });

  it('does not truncate long lines', async () => {
    const out = await tokenize(['--vocab', VOCAB], [`${'hello '.repeat(1000)}\n`]);
    expect(JSON.parse(out)).toHaveLength(1002);
  });

  it('fails with exit status 2 and one line when --vocab is missing or unusable', async () => {
    const missing = await tokenize([], ['x\n']).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(UserError);
    expect(missing).toMatchObject({ exitCode: 2, hint: undefined, message: 'tokenize: --vocab FILE is required (a BERT vocab.txt)' });

    const absent = path.join(FIXTURES, 'absent.txt');
    await expect(tokenize(['--vocab', absent], [])).rejects.toMatchObject({
      exitCode: 2,
      message: `tokenize: ${absent}: cannot read vocab (ENOENT)`,
    });
    await expect(tokenize(['--vocab', path.join(FIXTURES, 'vocab-without-unk.txt')], [])).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/^tokenize: .*vocab-without-unk\.txt: vocab lacks the special token \[UNK\]$/),
    });
  });
});
