// registry.json: the checkpoints of one (run, step) that were written completely and verified, oldest
// first. Written atomically after each save, so it never names a half-written directory.
import fs from 'node:fs/promises';
import path from 'node:path';

import { writeFileAtomic } from './atomic';

export const REGISTRY_FILE = 'registry.json';
const REGISTRY_FORMAT = 'kiln/checkpoint-registry@1';

export interface RegistryEntry {
  step: number;
  /** Directory name under the checkpoint root, `step-<N>`. */
  dir: string;
  /** `sha256:<hex>` of its checkpoint.json. */
  digest: string;
}

export function stepDirName(step: number): string {
  return `step-${step}`;
}

const STEP_DIR = /^step-(\d+)$/;

/** The entries, oldest first; null when the file is missing or unreadable (the caller scans directories instead). */
export async function readRegistry(root: string): Promise<{ entries: RegistryEntry[] } | { entries: null; problem: string }> {
  let text: string;
  try {
    text = await fs.readFile(path.join(root, REGISTRY_FILE), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { entries: null, problem: code === 'ENOENT' ? 'no registry.json' : `cannot read registry.json: ${(error as Error).message}` };
  }
  try {
    const parsed = JSON.parse(text) as { format?: string; checkpoints?: RegistryEntry[] };
    const list = parsed.checkpoints;
    const valid =
      parsed.format === REGISTRY_FORMAT &&
      Array.isArray(list) &&
      list.every((e) => Number.isSafeInteger(e?.step) && e.dir === stepDirName(e.step) && typeof e.digest === 'string');
    if (!valid) return { entries: null, problem: `registry.json is not a ${REGISTRY_FORMAT} file` };
    return { entries: [...list].sort((a, b) => a.step - b.step) };
  } catch (error) {
    return { entries: null, problem: `registry.json is not JSON (${(error as Error).message})` };
  }
}

export async function writeRegistry(root: string, entries: readonly RegistryEntry[]): Promise<void> {
  const sorted = [...entries].sort((a, b) => a.step - b.step);
  await writeFileAtomic(path.join(root, REGISTRY_FILE), JSON.stringify({ format: REGISTRY_FORMAT, checkpoints: sorted }, null, 2) + '\n');
}

/** `step-<N>` directories present under the root, oldest first (their digests unknown). */
export async function scanStepDirs(root: string): Promise<{ step: number; dir: string }[]> {
  const names = await fs.readdir(root).catch(() => [] as string[]);
  return names
    .map((name) => ({ name, match: STEP_DIR.exec(name) }))
    .filter((x) => x.match !== null)
    .map((x) => ({ step: Number(x.match![1]), dir: x.name }))
    .sort((a, b) => a.step - b.step);
}
