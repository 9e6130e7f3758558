// CLI start-up: wall time of `kiln --version` and `kiln validate pipelines/quickstart.yaml` as a user runs them
// (a new process each time, median of 5 after one warm-up), against the anchor of a bare `node -e 0` measured
// in the same run. Run: `npm run bench cli`; writes bench/results/cli.json.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.join(HERE, '..');
const KILN = path.join(ROOT, 'bin', 'kiln');
const RUNS = 5;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function time(args: string[]): number[] {
  const times: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const t0 = performance.now();
    const run = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
    const ms = performance.now() - t0;
    if (run.status !== 0) throw new Error(`${args.join(' ')} exited ${run.status}:\n${run.stderr}`);
    if (i > 0) times.push(ms); // the first run may rebuild the bundle or fill the validator cache
  }
  return times;
}

const cases = [
  { name: 'node -e 0 (anchor: process start)', args: ['-e', '0'], target: undefined },
  { name: 'kiln --version', args: [KILN, '--version'], target: 150 },
  { name: 'kiln validate pipelines/quickstart.yaml', args: [KILN, 'validate', 'pipelines/quickstart.yaml'], target: 300 },
];
const results = cases.map((c) => ({ ...c, times_ms: time(c.args).map((x) => Math.round(x)) }));
const anchor = median(results[0]!.times_ms);
const rows = [
  ['command', 'median', 'runs (ms)', '÷ node start', 'target', 'ok'],
  ...results.map((r) => {
    const m = median(r.times_ms);
    return [r.name, `${m} ms`, r.times_ms.join(' '), `${(m / anchor).toFixed(1)}×`, r.target ? `≤ ${r.target} ms` : '', r.target ? (m <= r.target ? 'yes' : 'NO') : ''];
  }),
];
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
console.log(rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n'));
await fs.mkdir(path.join(HERE, 'results'), { recursive: true });
await fs.writeFile(
  path.join(HERE, 'results', 'cli.json'),
  JSON.stringify(
    {
      benchmark: 'cli',
      date: new Date().toISOString(),
      machine: { cpus: os.availableParallelism(), load_average_1m: Number(os.loadavg()[0]!.toFixed(2)), node: process.version },
      results: results.map(({ name, times_ms, target }) => ({ name, times_ms, median_ms: median(times_ms), target_ms: target ?? null })),
    },
    null,
    2,
  ) + '\n',
);
