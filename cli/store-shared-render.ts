// `kiln store verify|gc` with a shared store (KILN_STORE): the local commands' text, naming the store, saying how
// deep verify looked, and what gc did to the store and to this machine's cache of it.
import type { Removal } from '../store/gc';
import type { SharedGcReport } from '../store/remote/remote-gc';
import type { VerifyReport } from '../store/verify';
import { formatBytes, verifyText } from './store-render';

/** The local verify's table and problem lines, with a line on how the objects were checked under its header. */
export function sharedVerifyText(report: VerifyReport): string {
  const [header, ...rest] = verifyText(report).split('\n');
  const shared = report.shared;
  if (!shared) return [header, ...rest].join('\n');
  const { objects, bytes } = shared.downloaded;
  const how =
    shared.depth === 'deep'
      ? `  every object downloaded and hashed (${objects} objects, ${formatBytes(bytes)})`
      : `  objects checked by the sha256 kiln recorded with each at upload${objects > 0 ? ` (${objects} without one downloaded and hashed, ${formatBytes(bytes)})` : ''};` +
        ' `--deep` downloads and hashes every object';
  return [header, how, ...rest].join('\n');
}

export function sharedGcText(report: SharedGcReport): string {
  const verb = report.dryRun ? 'would remove' : 'removed';
  const row = (what: string, r: Removal, names = false, sized = true) => {
    const shown = names && r.items.length > 0 ? `  ${r.items.slice(0, 5).join(', ')}${r.items.length > 5 ? ', ...' : ''}` : '';
    return `    ${what.padEnd(20)}${String(r.count).padStart(8)}  ${(sized ? formatBytes(r.bytes) : '').padStart(9)}${shown}`;
  };
  const running = report.runningRuns.length ? ` (${report.runningRuns.length} running)` : '';
  const grace = formatDuration(report.graceMs);
  const waiting =
    report.kept.waiting > 0
      ? `; ${report.kept.waiting} unreferenced, kept until ${grace} after a gc first found them so (${report.kept.newlyMarked} found now)`
      : '';
  const local = report.local;
  return [
    `${report.dryRun ? 'dry run, nothing deleted: ' : ''}keeping what the newest ${report.keepRuns} run(s) need in ${report.store}`,
    `  kept: ${report.keptRuns.length} run(s)${running}, ${report.modelVersions} model version(s); ` +
      `${report.kept.artifacts} artifact object(s) (${formatBytes(report.kept.bytes)}) referenced${waiting}`,
    `  ${verb} from the store:`,
    row('artifact objects', report.removed.artifacts),
    row('cache entries', report.removed.cacheEntries),
    row('checkpoints of runs', report.removed.checkpoints, true),
    report.uploadsSkipped ? `    incomplete uploads: not looked at: ${report.uploadsSkipped}` : row('incomplete uploads', report.removed.uploads, true, false),
    `  ${report.dryRun ? 'would free' : 'freed'} ${formatBytes(report.bytesFreed)} in the store`,
    `  this machine's cache of it: ${formatBytes(local.cacheBytes)} of ${formatBytes(local.cacheMaxBytes)} (KILN_CACHE_MAX_BYTES) ${report.dryRun ? 'after this gc' : 'now'}; ${verb}:`,
    row('cached artifacts', local.cache),
    row('checkpoint copies', local.checkpoints, true),
    row('staging dirs', local.staging),
    `  ${report.dryRun ? 'would free' : 'freed'} ${formatBytes(local.bytesFreed)} on this machine`,
  ].join('\n');
}

function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} hour${ms === 3_600_000 ? '' : 's'}`;
  if (ms % 60_000 === 0) return `${ms / 60_000} minute${ms === 60_000 ? '' : 's'}`;
  return `${ms / 1000} s`;
}
