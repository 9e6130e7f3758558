import fs from 'node:fs/promises';
import path from 'node:path';

import type { ArtifactStore } from '../store/artifacts';
import type { ArtifactRef } from '../store/types';

/** The corpus artifact is corpus.txt itself, or a directory holding one. */
export async function corpusPath(store: ArtifactStore, corpus: ArtifactRef): Promise<string> {
  const file = store.pathOf(corpus);
  const stat = await fs.stat(file);
  return stat.isDirectory() ? path.join(file, 'corpus.txt') : file;
}
