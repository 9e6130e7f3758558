// File operations that never leave a half-done result under the final name: an interrupted setup leaves at most a
// `*.tmp-<pid>` beside it, which the next setup (holding the lock) removes.
import fs from 'node:fs/promises';
import path from 'node:path';

/** Points `link` at `target` atomically (a new link renamed over the old), replacing a directory if one is there. */
export async function replaceWithSymlink(link: string, target: string): Promise<void> {
  await fs.mkdir(path.dirname(link), { recursive: true });
  const stat = await fs.lstat(link).catch(() => undefined);
  if (stat?.isSymbolicLink() && (await fs.readlink(link)) === target) return;
  if (stat && !stat.isSymbolicLink()) await fs.rm(link, { recursive: true, force: true });
  const temp = tempName(link);
  await fs.rm(temp, { force: true });
  await fs.symlink(target, temp);
  await fs.rename(temp, link);
}

export async function copyAtomically(from: string, to: string): Promise<void> {
  await fs.mkdir(path.dirname(to), { recursive: true });
  const temp = tempName(to);
  await fs.copyFile(from, temp);
  await fs.rename(temp, to);
}

/** A fresh, empty temporary directory beside `dir`, after removing those that interrupted setups left there. */
export async function freshTempDir(dir: string): Promise<string> {
  const parent = path.dirname(dir);
  await fs.mkdir(parent, { recursive: true });
  const prefix = `${path.basename(dir)}.tmp-`;
  for (const name of await fs.readdir(parent)) {
    if (name.startsWith(prefix)) await fs.rm(path.join(parent, name), { recursive: true, force: true });
  }
  const temp = tempName(dir);
  await fs.mkdir(temp);
  return temp;
}

/** Replaces `dir` with the finished `temp`. */
export async function moveIntoPlace(temp: string, dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
  await fs.rename(temp, dir);
}

function tempName(file: string): string {
  return `${file}.tmp-${process.pid}`;
}
