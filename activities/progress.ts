// Heartbeats and inputs shared by the step activities.
import fs from 'node:fs/promises';
import path from 'node:path';

import type { Context } from '@temporalio/activity';

import type { ArtifactStore } from '../store/artifacts';
import type { ArtifactRef } from '../store/types';

/** How often a step reports progress: often enough for live views, far below any heartbeat timeout. */
export const HEARTBEAT_EVERY_MS = 1_000;

/**
 * A progress callback that heartbeats at most once a second. With `stopOnCancel`, a cancelled activity stops at
 * its next progress report (steps whose library code has no abort signal of its own).
 */
export function throttledHeartbeat<P>(context: Context, options: { stopOnCancel?: boolean } = {}): (progress: P) => void {
  let last = 0;
  return (progress) => {
    if (options.stopOnCancel) context.cancellationSignal.throwIfAborted();
    const now = Date.now();
    if (now - last < HEARTBEAT_EVERY_MS) return;
    last = now;
    context.heartbeat(progress);
  };
}

/** The corpus artifact is corpus.txt itself, or a directory holding one. */
export async function corpusPath(store: ArtifactStore, corpus: ArtifactRef): Promise<string> {
  const file = store.pathOf(corpus);
  const stat = await fs.stat(file);
  return stat.isDirectory() ? path.join(file, 'corpus.txt') : file;
}
