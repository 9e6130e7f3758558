// `npm run bench [NAME...]`: runs each benchmark script in bench/ in its own process (they measure wall time and
// must not share a process's warm caches), in order. Each prints a table and writes bench/results/<name>.json.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const all = fs
  .readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'main.ts' && !f.startsWith('_'))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();
// Names first, then options for the scripts: `npm run bench training -- --quick` passes `--quick` to each script run.
const argv = process.argv.slice(2);
const split = argv.findIndex((a) => a.startsWith('-'));
const wanted = split < 0 ? argv : argv.slice(0, split);
const forwarded = split < 0 ? [] : argv.slice(argv[split] === '--' ? split + 1 : split);
const unknown = wanted.filter((name) => !all.includes(name));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${all.join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const name of wanted.length ? wanted : all) {
  console.log(`\n== bench/${name}.ts ==`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, `${name}.ts`), ...forwarded], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
