// A Hugging Face model directory fetched file by file from a base URL (a hub's `.../resolve/main`, or any server
// holding the same files), with the corpus download's resumable transfers: a retried step continues the partial
// files the last attempt left, and a file whose sha256 the pipeline gives is checked before it is used.
import fs from 'node:fs/promises';
import path from 'node:path';

import { CorpusInputError } from '../corpus/errors';
import { fetchUrl } from '../corpus/local-input';
import { HfFormatError } from './errors';

/** Needed: the import fails without them. */
const REQUIRED = ['config.json', 'model.safetensors'];
/** Wanted when the server has them; a 404 is an answer. One of the two tokenizer files must come. */
const OPTIONAL = ['tokenizer.json', 'vocab.txt', 'tokenizer_config.json', 'modules.json', 'sentence_bert_config.json'];

export interface FetchModelOptions {
  /** Where partial downloads wait between attempts. */
  workDir: string;
  /** Expected sha256 per file name (e.g. `model.safetensors`); a mismatch is final. */
  sha256?: Record<string, string>;
  onProgress?: (progress: { file: string; bytes: number; total: number | null }) => void;
  signal?: AbortSignal;
}

function fileUrl(baseUrl: string, name: string): string {
  return `${baseUrl.replace(/\/+$/u, '')}/${name}`;
}

/** Fetches `name` into `dest`; false when the server says it has no such file (404), if `optional`. */
async function fetchOne(baseUrl: string, name: string, dest: string, options: FetchModelOptions, optional: boolean): Promise<boolean> {
  const url = fileUrl(baseUrl, name);
  try {
    const got = await fetchUrl(url, options.sha256?.[name], {
      workDir: options.workDir,
      signal: options.signal,
      onProgress: (bytes, total) => options.onProgress?.({ file: name, bytes, total }),
    });
    await fs.mkdir(path.dirname(dest), { recursive: true });
    await fs.copyFile(got.path, dest);
    await got.cleanup();
    return true;
  } catch (error) {
    if (optional && error instanceof CorpusInputError && / HTTP 404\b/u.test(error.message)) return false;
    throw error;
  }
}

/**
 * Downloads the model at `baseUrl` into `destDir`: config.json, model.safetensors, a tokenizer, and a
 * sentence-transformers pooling config when modules.json names one. Errors: CorpusInputError (the server refused a
 * file), ChecksumError, HfFormatError (no tokenizer there); network errors are plain, for a retry.
 */
export async function fetchHfModel(baseUrl: string, destDir: string, options: FetchModelOptions): Promise<string[]> {
  const fetched: string[] = [];
  for (const name of REQUIRED) {
    await fetchOne(baseUrl, name, path.join(destDir, name), options, false);
    fetched.push(name);
  }
  for (const name of OPTIONAL) {
    if (name === 'vocab.txt' && fetched.includes('tokenizer.json')) continue;
    if (await fetchOne(baseUrl, name, path.join(destDir, name), options, true)) fetched.push(name);
  }
  if (!fetched.includes('tokenizer.json') && !fetched.includes('vocab.txt')) {
    throw new HfFormatError('has neither tokenizer.json nor vocab.txt', baseUrl, 'a BERT model directory carries its WordPiece tokenizer; check the url');
  }
  if (fetched.includes('modules.json')) {
    const modules = JSON.parse(await fs.readFile(path.join(destDir, 'modules.json'), 'utf8')) as Array<{ path?: unknown; type?: unknown }>;
    for (const module of Array.isArray(modules) ? modules : []) {
      if (typeof module.path !== 'string' || !/Pooling$/u.test(String(module.type))) continue;
      const name = `${module.path}/config.json`;
      await fetchOne(baseUrl, name, path.join(destDir, name), options, false);
      fetched.push(name);
    }
  }
  for (const name of Object.keys(options.sha256 ?? {})) {
    if (!fetched.includes(name)) {
      throw new CorpusInputError(`with.sha256 names '${name}', which is not a file the import reads (${fetched.join(', ')})`, 'name the files by their path in the model directory, e.g. model.safetensors');
    }
  }
  return fetched;
}
