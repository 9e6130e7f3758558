import type { Command } from 'commander';

import { collectGarbage } from '../store/gc';
import { kilnHome } from '../store/paths';
import { cacheMaxBytes } from '../store/remote/cache-bound';
import { objectStoreFromEnv } from '../store/remote/config';
import { incompleteUploadsFromEnv } from '../store/remote/incomplete-uploads';
import type { ObjectStore } from '../store/remote/object-store';
import { collectSharedGarbage } from '../store/remote/remote-gc';
import { repairSharedStore } from '../store/remote/remote-repair';
import { verifySharedStore } from '../store/remote/remote-verify';
import { repairStore, type RepairResult } from '../store/repair';
import { verifyStore, type VerifyProgress, type VerifyReport } from '../store/verify';
import { connect } from './connect';
import { formatBytes, gcText, repairText, verifyText } from './store-render';
import { sharedGcText, sharedVerifyText } from './store-shared-render';
import { temporalRunLookup } from './store-runs';
import { UserError } from './user-error';

interface VerifyFlags {
  json?: boolean;
  repair?: boolean;
  deep?: boolean;
}

/** Progress goes to stderr, so `--json` output stays one document on stdout. */
function showProgress(p: VerifyProgress): void {
  const size = p.bytes > 0 ? ` (${formatBytes(p.bytes)})` : '';
  console.error(`  checked ${p.done}/${p.total} ${p.phase}${size}`);
}

async function verify(flags: VerifyFlags): Promise<void> {
  const objects = objectStoreFromEnv();
  if (objects) return verifyShared(objects, flags);
  const report = await verifyStore({ home: kilnHome(), onProgress: showProgress });
  const repair = flags.repair && report.problems.length > 0 ? await repairStore(report) : undefined;
  printVerify(report, repair, flags, verifyText);
}

/** With KILN_STORE: the shared store is what is checked; this machine's cache of it is verified on every read. */
async function verifyShared(objects: ObjectStore, flags: VerifyFlags): Promise<void> {
  console.error(`store: ${objects.describe()}`);
  const report = await verifySharedStore(objects, { deep: flags.deep, onProgress: showProgress });
  const repair = flags.repair && report.problems.length > 0 ? await repairSharedStore(report, objects) : undefined;
  printVerify(report, repair, flags, sharedVerifyText);
}

function printVerify(report: VerifyReport, repair: RepairResult | undefined, flags: VerifyFlags, text: (report: VerifyReport) => string): void {
  if (flags.json) console.log(JSON.stringify({ ...report, ...(repair ? { repair } : {}) }, null, 2));
  else {
    console.log(text(report));
    if (repair) console.log(`\n${repairText(repair)}`);
  }
  // Repaired corruption is gone: what is left is stale at worst, unless repair had to leave something corrupt.
  const unrepaired = repair ? repair.leftAlone.some((p) => p.severity === 'corrupt') : !report.ok;
  if (unrepaired) process.exitCode = 1;
}

interface GcFlags {
  keepRuns: string;
  dryRun?: boolean;
  json?: boolean;
}

async function gc(flags: GcFlags): Promise<void> {
  const keepRuns = Number(flags.keepRuns);
  if (!Number.isInteger(keepRuns) || keepRuns < 1) {
    throw new UserError(
      `--keep-runs must be a whole number of at least 1 (got "${flags.keepRuns}")`,
      'gc keeps what the newest N runs need: --keep-runs 1 keeps only the latest run (and running ones, and registered models)',
      2,
    );
  }
  const say = (line: string) => console.error(line);
  const objects = objectStoreFromEnv();
  // Checked before anything is asked of the server: a bad bound is an error in the command line's environment.
  const cacheMax = objects ? cacheMaxBytes() : 0;
  if (objects) say(`store: ${objects.describe()}`);
  const kiln = await connect(say);
  try {
    const home = kilnHome();
    const runs = temporalRunLookup(kiln.client);
    if (objects) {
      const uploads = incompleteUploadsFromEnv();
      const report = await collectSharedGarbage({ objects, home, keepRuns, dryRun: flags.dryRun, runs, uploads, cacheMaxBytes: cacheMax });
      console.log(flags.json ? JSON.stringify(report, null, 2) : sharedGcText(report));
      return;
    }
    const report = await collectGarbage({ home, keepRuns, dryRun: flags.dryRun, runs });
    console.log(flags.json ? JSON.stringify(report, null, 2) : gcText(report));
  } finally {
    await kiln.close();
  }
}

/** `kiln store verify|gc`: check the artifact store's integrity and reclaim its space. */
export function registerStoreCommands(program: Command): void {
  const store = program
    .command('store')
    .description('check and clean the artifact store, step cache, checkpoints, models and metrics under $KILN_HOME, or in the shared store KILN_STORE names');

  store
    .command('verify')
    .description(
      're-hash every artifact, check every cache entry, checkpoint and registered model copy against its digests and every metrics ' +
        'history line (exit 1 when anything is corrupt)',
    )
    .option(
      '--repair',
      'delete corrupt artifacts and checkpoints and the cache entries that name missing or corrupt artifacts or were made from one ' +
        '(those steps run again); restore changed model copies from the store',
    )
    .option('--deep', 'with KILN_STORE: download and hash every object (default: compare the sha256 kiln recorded with each at upload)')
    .option('--json', 'print the report as JSON')
    .action(verify);

  store
    .command('gc')
    .description(
      'delete artifacts, cache entries and checkpoints that neither the newest N runs, a running run nor a registered model needs ' +
        '(anything younger than an hour stays; with KILN_STORE, anything a gc first found unreferenced less than an hour ago, ' +
        'and multipart uploads are aborted after a day; this machine\'s cache is trimmed to KILN_CACHE_MAX_BYTES)',
    )
    .requiredOption('--keep-runs <n>', 'how many of the newest runs keep everything they produced')
    .option('--dry-run', 'print what would be removed, delete nothing')
    .option('--json', 'print the report as JSON')
    .action(gc);
}
