// Which checkpoint a training thread resumes from: its own run's newest valid one, else that of the newest
// earlier run it resumes (`kiln resume`), whose metrics then continue in this run's file.
import fs from 'node:fs/promises';
import path from 'node:path';

import type { Json } from '../../contract/json';
import { CheckpointStore, type CheckpointRecord, type VerifiedCheckpoint } from '../../store/checkpoints';
import { METRICS_FILE } from './thread-messages';

/** The parts of a training job that say where checkpoints may be (TrainingJob and fine-tuning's job have them). */
export interface CheckpointSources {
  identity: { [key: string]: Json };
  checkpointDir: string;
  resumeHint: CheckpointRecord | null;
  earlierDirs: string[];
}

export async function findCheckpoint(job: CheckpointSources, store: CheckpointStore, log: (message: string) => void): Promise<VerifiedCheckpoint | null> {
  let latest = await store.latestVerified({ config: job.identity, hint: job.resumeHint });
  for (const dir of job.earlierDirs) {
    if (latest) break;
    latest = await new CheckpointStore(dir, { log }).latestVerified({ config: job.identity });
    if (latest) {
      // The earlier run's metrics up to its checkpoint continue in this run's file.
      await fs.copyFile(path.join(dir, METRICS_FILE), path.join(job.checkpointDir, METRICS_FILE)).catch(() => undefined);
    }
  }
  if (latest) log(`resuming from checkpoint ${latest.record.path} (${latest.record.digest})`);
  return latest;
}
