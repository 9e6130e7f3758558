import type { Command } from 'commander';

import type { Json } from '../contract/json';
import { homeStores } from '../store/home-stores';
import type { MetricsHistory } from '../store/metrics-history';
import { kilnHome } from '../store/paths';
import { bestOf, higherIsBetter, round } from '../store/metrics-history-compare';
import { HistoryError, type HistoryRecord } from '../store/metrics-history-types';
import { UserError } from './user-error';

const SPARK = '▁▂▃▄▅▆▇█';

/** `kiln metrics list|history`: the metrics histories that metrics/record@v1 steps append to ($KILN_HOME/metrics). */
export function registerMetricsCommands(program: Command): void {
  const metrics = program.command('metrics').description('metrics histories recorded by metrics/record@v1 steps, and their trend');
  metrics
    .command('list')
    .description('every metrics history with its number of records and the latest one')
    .option('--json', 'print them as JSON')
    .action((options: { json?: boolean }) => list(options.json === true));
  metrics
    .command('history')
    .description('the records of a history, oldest first: time, run, model version, each metric with its change, the best marked; a sparkline per metric')
    .argument('<name>', 'history name (metrics/record@v1 with.name)')
    .option('--json', 'print the records as JSON')
    .option('--metric <metric>', 'only this metric')
    .action((name: string, options: { json?: boolean; metric?: string }) => history(name, options));
}

async function list(json: boolean): Promise<void> {
  const store = homeStores(kilnHome()).metrics;
  const names = await store.names();
  // One corrupt history must not hide the others: it is listed with its problem.
  const all = await Promise.all(
    names.map(async (name) => {
      const records = await store.read(name).catch((error: unknown) => (error instanceof HistoryError ? error.message : Promise.reject(error)));
      return { name, records };
    }),
  );
  if (json) {
    const rows = all.map(({ name, records }) =>
      typeof records === 'string' ? { name, file: store.fileOf(name), error: records } : { name, file: store.fileOf(name), records: records.length, last: records.at(-1) ?? null },
    );
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  if (names.length === 0) {
    console.log(`no metrics histories in ${store.root}; a metrics/record@v1 step starts one (see pipelines/nightly-eval.yaml)`);
    return;
  }
  const rows = [['HISTORY', 'RECORDS', 'LAST RECORDED', 'LAST RUN', 'MODEL']];
  for (const { name, records } of all) {
    if (typeof records === 'string') {
      rows.push([name, '?', '-', '-', `unreadable: ${records}`]);
      continue;
    }
    const last = records.at(-1);
    rows.push([name, String(records.length), last ? timeText(last.at) : '-', last?.run ?? '-', last ? modelText(last.model) : '-']);
  }
  console.log(table(rows));
}

async function history(name: string, options: { json?: boolean; metric?: string }): Promise<void> {
  const store = homeStores(kilnHome()).metrics;
  const records = await readOrExplain(store, name);
  const all = metricNames(records);
  if (options.metric !== undefined && !all.includes(options.metric)) {
    throw new UserError(`history '${name}' has no metric '${options.metric}'`, `its metrics: ${all.join(', ') || 'none'}`, 2);
  }
  const shown = options.metric !== undefined ? [options.metric] : all;
  if (options.json) {
    const only = (r: HistoryRecord): HistoryRecord => ({ ...r, metrics: Object.fromEntries(shown.flatMap((m) => (m in r.metrics ? [[m, r.metrics[m]!]] : []))) });
    console.log(JSON.stringify(options.metric !== undefined ? records.map(only) : records, null, 2));
    return;
  }
  console.log(`${name}: ${records.length} record(s) in ${store.fileOf(name)}\n`);
  if (records.length === 0) return;
  const overrides = Object.assign({}, ...records.map((r) => r.higher_is_better ?? {})) as { [metric: string]: boolean };
  const rows = [['TIME', 'RUN', 'MODEL', ...shown]];
  const best = new Map(shown.map((m) => [m, bestOf(records, m, higherIsBetter(m, overrides))]));
  const previous = new Map<string, number>();
  for (const r of records) {
    const cells = shown.map((m) => {
      const value = r.metrics[m];
      if (value === undefined) return '-';
      const before = previous.get(m);
      previous.set(m, value);
      const b = best.get(m);
      const mark = b && b.run === r.run && b.at === r.at ? ' *' : '';
      return `${num(value)}${before === undefined ? '' : ` (${change(value - before)})`}${mark}`;
    });
    rows.push([timeText(r.at), r.run, modelText(r.model), ...cells]);
  }
  console.log(table(rows));
  console.log('\n(change vs the previous record; * the best)\n');
  const width = Math.max(...shown.map((m) => m.length));
  for (const m of shown) {
    const values = records.flatMap((r) => (r.metrics[m] === undefined ? [] : [r.metrics[m]!]));
    const higher = higherIsBetter(m, overrides);
    const b = best.get(m)!;
    console.log(
      `${m.padEnd(width)}  ${sparkline(values)}  ${num(values[0]!)} → ${num(values.at(-1)!)}, best ${num(b.value)} (${b.run})${higher ? '' : ', lower is better'}`,
    );
  }
}

async function readOrExplain(store: MetricsHistory, name: string): Promise<HistoryRecord[]> {
  try {
    return await store.read(name);
  } catch (error) {
    if (error instanceof HistoryError) throw new UserError(error.message, error.hint, error.code === 'corrupt' ? 1 : 2);
    throw error;
  }
}

/** Every metric in the history, in the order first recorded. */
function metricNames(records: HistoryRecord[]): string[] {
  const names = new Set<string>();
  for (const r of records) for (const m of Object.keys(r.metrics)) names.add(m);
  return [...names];
}

/** One bar per value, scaled from the smallest to the largest. */
export function sparkline(values: number[]): string {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return values.map((v) => SPARK[hi === lo ? 3 : Math.round(((v - lo) / (hi - lo)) * (SPARK.length - 1))]).join('');
}

/** resolve's `{ name, version }` as `name:version`; other lineage as short JSON. */
function modelText(model: Json): string {
  if (model && typeof model === 'object' && !Array.isArray(model) && typeof model.name === 'string' && typeof model.version === 'number') {
    return `${model.name}:${model.version}`;
  }
  return model === null || model === undefined ? '-' : JSON.stringify(model).slice(0, 40);
}

function timeText(iso: string): string {
  return iso.slice(0, 19).replace('T', ' ');
}

function num(value: number): string {
  return String(Number.isInteger(value) ? value : Number(value.toPrecision(4)));
}

function change(delta: number): string {
  const d = round(delta);
  return d === 0 ? '=' : `${d > 0 ? '+' : '-'}${num(Math.abs(d))}`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows.map((row) => row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ')).join('\n');
}
