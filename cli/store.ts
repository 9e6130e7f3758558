import type { Command } from 'commander';

import { collectGarbage } from '../store/gc';
import { kilnHome } from '../store/paths';
import { repairStore } from '../store/repair';
import { verifyStore, type VerifyProgress } from '../store/verify';
import { connect } from './connect';
import { formatBytes, gcText, repairText, verifyText } from './store-render';
import { temporalRunLookup } from './store-runs';
import { UserError } from './user-error';

interface VerifyFlags {
  json?: boolean;
  repair?: boolean;
}

/** Progress goes to stderr, so `--json` output stays one document on stdout. */
function showProgress(p: VerifyProgress): void {
  const size = p.bytes > 0 ? ` (${formatBytes(p.bytes)})` : '';
  console.error(`  checked ${p.done}/${p.total} ${p.phase}${size}`);
}

async function verify(flags: VerifyFlags): Promise<void> {
  const home = kilnHome();
  const report = await verifyStore({ home, onProgress: showProgress });
  const repair = flags.repair && report.problems.length > 0 ? await repairStore(report) : undefined;
  if (flags.json) console.log(JSON.stringify({ ...report, ...(repair ? { repair } : {}) }, null, 2));
  else {
    console.log(verifyText(report));
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
  const kiln = await connect(say);
  try {
    const report = await collectGarbage({ home: kilnHome(), keepRuns, dryRun: flags.dryRun, runs: temporalRunLookup(kiln.client) });
    console.log(flags.json ? JSON.stringify(report, null, 2) : gcText(report));
  } finally {
    await kiln.close();
  }
}

/** `kiln store verify|gc`: check the artifact store's integrity and reclaim its space. */
export function registerStoreCommands(program: Command): void {
  const store = program.command('store').description('check and clean the artifact store, step cache, checkpoints, models and metrics under $KILN_HOME');

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
    .option('--json', 'print the report as JSON')
    .action(verify);

  store
    .command('gc')
    .description(
      'delete artifacts, cache entries and checkpoints that neither the newest N runs, a running run nor a registered model needs ' +
        '(anything younger than an hour stays)',
    )
    .requiredOption('--keep-runs <n>', 'how many of the newest runs keep everything they produced')
    .option('--dry-run', 'print what would be removed, delete nothing')
    .option('--json', 'print the report as JSON')
    .action(gc);
}
