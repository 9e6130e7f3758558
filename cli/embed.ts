import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

import { Option, type Command } from 'commander';
import { register as registerTsxCjs } from 'tsx/cjs/api';

import { BackendUnavailableError, initBackend, type BackendChoice } from '../nlp/backend';
import { defaultModelLoader } from '../serve/load-model';
import { ModelPool } from '../serve/model-pool';
import { ModelLoadError } from '../serve/types';
import { homeStores } from '../store/home-stores';
import { kilnHome } from '../store/paths';
import { parseModelRef } from '../store/registry-ref';
import { RegistryError } from '../store/registry-types';
import { UserError } from './user-error';

export interface EmbedIo {
  input: Readable;
  output: Writable;
}

interface EmbedOptions {
  model?: string;
  backend: BackendChoice;
}

/** Texts per forward pass: memory stays bounded however long stdin is. */
export const EMBED_BATCH = 32;

const BACKENDS: BackendChoice[] = ['auto', 'tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];
const MODEL_HINT = 'e.g. `kiln embed --model sentiment < texts.txt`; `kiln models list` shows the registered models';

/** Lines in, one JSON array per non-blank line out, in order, `EMBED_BATCH` lines per call of `embed`. */
export async function embedStream(embed: (texts: string[]) => Promise<number[][]>, io: EmbedIo): Promise<number> {
  const lines = createInterface({ input: io.input, crlfDelay: Infinity });
  let batch: string[] = [];
  let count = 0;
  const flush = async () => {
    const vectors = await embed(batch);
    for (const vector of vectors) {
      // Respect backpressure: a slow reader must not make us buffer the whole output.
      if (!io.output.write(`${JSON.stringify(vector)}\n`)) await new Promise((resolve) => io.output.once('drain', resolve));
    }
    count += batch.length;
    batch = [];
  };
  for await (const line of lines) {
    if (line.trim() === '') continue;
    batch.push(line);
    if (batch.length === EMBED_BATCH) await flush();
  }
  if (batch.length > 0) await flush();
  return count;
}

async function embed(options: EmbedOptions, io: EmbedIo): Promise<void> {
  if (!options.model) throw new UserError('embed: --model NAME is required', MODEL_HINT, 2);
  const { registry } = homeStores(kilnHome());
  // Loading through serve's pool: the same loader, the same check that the registered copy is intact.
  const pool = new ModelPool(registry, defaultModelLoader(options.backend), { maxBatch: EMBED_BATCH, maxWaitMs: 0 }, 1);
  try {
    const resolved = await pool.resolve(parseModelRef(options.model));
    // tfjs-core's gradient modules resolve only through require() (see nlp/backend.ts); bin/kiln registers tsx
    // for import() alone.
    registerTsxCjs();
    await initBackend(options.backend);
    const model = await pool.model(resolved);
    await embedStream((texts) => model.embed(texts), io);
  } catch (error) {
    if (error instanceof RegistryError) {
      const where = error.code === 'unknown-model' ? ` (registry ${registry.root})` : '';
      throw new UserError(`embed: ${error.message}${where}`, error.hint ?? MODEL_HINT, 2);
    }
    if (error instanceof BackendUnavailableError) {
      const [message, hint] = error.message.split('\nhint: ');
      throw new UserError(`embed: ${message}`, hint, 2);
    }
    if (error instanceof ModelLoadError) throw new UserError(`embed: ${error.message}`, error.hint);
    throw error;
  } finally {
    await pool.dispose();
  }
}

/** `kiln embed --model REF [--backend B]`; `io` lets tests stand in for stdin and stdout. */
export function registerEmbedCommand(program: Command, io: EmbedIo = { input: process.stdin, output: process.stdout }): void {
  program
    .command('embed')
    .description('sentence embeddings of stdin, one text a line: one JSON array per line, computed here from the registry ($KILN_HOME/models)')
    .option('--model <ref>', 'the model: NAME (its production alias), NAME:VERSION or NAME@ALIAS; an encoder or a classifier')
    .addOption(new Option('--backend <name>', 'tensor backend').choices(BACKENDS).default('auto'))
    .addHelpText(
      'after',
      `
Blank lines are skipped; longer texts are cut to the model's max_seq_length.
The pooling ([CLS] or mean, normalised or not) is the model's own, as
POST /v1/models/NAME/embed reports it. Texts go through the model ${EMBED_BATCH} at a
time, so any amount of input runs in bounded memory.

Example:
  printf 'a good film\\nslow and dull\\n' | kiln embed --model sentiment

Exit status: 0 on success, 1 when the model fails to load, 2 when the model\nreference or the backend is wrong.`,
    )
    .action((options: EmbedOptions) => embed(options, io));
}
