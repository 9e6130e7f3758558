// The model an uninterrupted run trains: what every interrupted run must reproduce bit for bit. Optionally
// remembered in a file, so the durability test files of one test run train it once between them: its digest
// depends only on the pipeline and its settings (artifacts are content-addressed), not on the server or home.
import fs from 'node:fs/promises';
import path from 'node:path';

import { writeFileAtomic } from '../../store/atomic';
import { kiln } from './kiln-cli';

/** Where the test files remember reference digests: this name in the test run's KILN_HOME (inject('kilnHome')). */
export const REFERENCE_FILE = 'reference-models.json';

export interface ReferenceOptions {
  /** `--set name=value` overrides; the same ones as the interrupted run, except checkpoint_every may differ. */
  sets?: string[];
  /** Environment of the `kiln run` (KILN_HOME and server); default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** A JSON file to remember digests in (and to look them up first). */
  remember?: string;
}

interface StepJson {
  id: string;
  outputs?: { model?: { digest?: string } };
}

async function remembered(file: string | undefined): Promise<Record<string, string>> {
  return file ? (JSON.parse(await fs.readFile(file, 'utf8').catch(() => '{}')) as Record<string, string>) : {};
}

/** The `model` digest of `stepId` after `kiln run PIPELINE --no-cache` runs to the end without interruption. */
export async function referenceModelDigest(pipeline: string, options: ReferenceOptions = {}, stepId = 'pretrain'): Promise<string> {
  const sets = [...(options.sets ?? [])].sort();
  const key = JSON.stringify([path.resolve(pipeline), stepId, sets]);
  const known = (await remembered(options.remember))[key];
  if (known) return known;

  const run = await kiln(['run', pipeline, '--no-cache', '--json', ...sets.flatMap((s) => ['--set', s])], { env: options.env, timeoutMs: 300_000 });
  if (run.code !== 0) throw new Error(`the reference run of ${pipeline} failed (exit ${run.code}):\n${run.stderr.slice(-3000)}`);
  const state = JSON.parse(run.stdout) as { status: string; steps: StepJson[] };
  const digest = state.steps.find((s) => s.id === stepId)?.outputs?.model?.digest;
  if (!digest) throw new Error(`the reference run of ${pipeline} has no ${stepId} model output:\n${run.stdout.slice(0, 3000)}`);
  if (options.remember) {
    // Re-read: another test file may have added its own reference meanwhile.
    const now = await remembered(options.remember);
    await writeFileAtomic(options.remember, JSON.stringify({ ...now, [key]: digest }, null, 2) + '\n');
  }
  return digest;
}
