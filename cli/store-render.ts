import type { GcReport, Removal } from '../store/gc';
import type { RepairResult } from '../store/repair';
import type { StoreProblem, VerifyReport } from '../store/verify';

/** `1.5 MB`: powers of 1000, as `du --si` counts. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

const WHAT: Record<StoreProblem['kind'], string> = {
  'corrupt-artifact': 'artifact',
  'foreign-file': 'stray file',
  'corrupt-cache-entry': 'cache entry',
  'cache-entry-corrupt-output': 'cache entry',
  'cache-entry-missing-output': 'cache entry',
  'cache-entry-derived-from-corrupt': 'cache entry',
  'corrupt-cache-note': 'cache note',
  'corrupt-model-version': 'model',
  'corrupt-model-aliases': 'model alias',
  'corrupt-metrics-history': 'metrics',
  'corrupt-checkpoint': 'checkpoint',
  'missing-checkpoint': 'checkpoint',
};

/** The summary table, one line per problem (severity, what, path: why), and a verdict with what to do. */
export function verifyText(report: VerifyReport): string {
  const row = (what: string, c: { count: number; bytes: number; problems: number }, sized = true) =>
    `  ${what.padEnd(14)}${String(c.count).padStart(8)}  ${(sized ? formatBytes(c.bytes) : '').padStart(9)}  ${String(c.problems).padStart(8)}`;
  const lines = [
    `store ${report.home}`,
    `  ${'what'.padEnd(14)}${'count'.padStart(8)}  ${'size'.padStart(9)}  ${'problems'.padStart(8)}`,
    row('artifacts', report.artifacts),
    row('cache entries', report.cacheEntries, false),
    row('checkpoints', report.checkpoints),
    row('models', report.models),
    row('metrics', report.metrics),
  ];
  if (report.problems.length > 0) lines.push('');
  for (const p of report.problems) lines.push(`${p.severity.padEnd(7)}  ${WHAT[p.kind].padEnd(11)}  ${p.path}: ${p.message}`);
  const corrupt = report.problems.filter((p) => p.severity === 'corrupt').length;
  const stale = report.problems.length - corrupt;
  lines.push('');
  if (report.problems.length === 0) lines.push('ok: every artifact, cache entry, checkpoint and registered model matches its digest, every metrics history parses');
  else lines.push(`${corrupt} corrupt, ${stale} stale`);
  if (report.problems.some((p) => p.kind !== 'foreign-file')) {
    lines.push(
      '  hint: `kiln store verify --repair` deletes corrupt artifacts and checkpoints and the cache entries that name missing or corrupt' +
        ' artifacts or were made from corrupt ones (those steps run again), and restores changed model copies from the store;' +
        ' `kiln store gc --keep-runs N` removes artifacts no recent run needs',
    );
  }
  return lines.join('\n');
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function repairText(result: RepairResult): string {
  const lines = [
    `repaired: deleted ${count(result.artifacts.length, 'corrupt artifact', 'corrupt artifacts')}, ` +
      `${count(result.checkpoints.length, 'corrupt checkpoint', 'corrupt checkpoints')} and ` +
      `${count(result.cacheEntries.length, 'cache entry', 'cache entries')}` +
      `${result.models.length ? `, restored ${count(result.models.length, 'model copy', 'model copies')}` : ''}; steps whose outputs were deleted run again when next needed`,
  ];
  for (const p of [...result.artifacts, ...result.checkpoints, ...result.cacheEntries]) lines.push(`  deleted ${p}`);
  for (const r of result.registries) lines.push(`  rewrote ${r}`);
  for (const m of result.models) lines.push(`  restored ${m} from the store`);
  for (const p of result.leftAlone) {
    const why = p.kind === 'foreign-file' ? "not kiln's; delete it by hand if you know what it is" : `fix it by hand: ${p.message}`;
    lines.push(`  left alone ${p.path} (${why})`);
  }
  return lines.join('\n');
}

export function gcText(report: GcReport): string {
  const verb = report.dryRun ? 'would remove' : 'removed';
  const row = (what: string, r: Removal, names = false) => {
    const shown = names && r.items.length > 0 ? `  ${r.items.slice(0, 5).join(', ')}${r.items.length > 5 ? ', ...' : ''}` : '';
    return `    ${what.padEnd(20)}${String(r.count).padStart(8)}  ${formatBytes(r.bytes).padStart(9)}${shown}`;
  };
  const running = report.runningRuns.length ? ` (${report.runningRuns.length} running)` : '';
  return [
    `${report.dryRun ? 'dry run, nothing deleted: ' : ''}keeping what the newest ${report.keepRuns} run(s) need`,
    `  kept: ${report.keptRuns.length} run(s)${running}, ${report.modelVersions} model version(s); ` +
      `${report.kept.artifacts} artifact(s) (${formatBytes(report.kept.bytes)}) referenced, ${report.kept.recent} younger than an hour`,
    `  ${verb}:`,
    row('artifacts', report.removed.artifacts),
    row('cache entries', report.removed.cacheEntries),
    row('checkpoints of runs', report.removed.checkpoints, true),
    row('staging dirs', report.removed.staging),
    `  ${report.dryRun ? 'would free' : 'freed'} ${formatBytes(report.bytesFreed)}`,
  ].join('\n');
}
