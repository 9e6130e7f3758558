import fs from 'node:fs/promises';
import path from 'node:path';

import type { Command } from 'commander';

import type { Json } from '../contract/json';
import { findRunningServer } from '../serve/state';
import { kilnHome } from '../store/paths';
import { HfFormatError } from '../nlp/hf/errors';
import { homeStores } from '../store/home-stores';
import type { Resolved } from '../store/registry';
import { DEFAULT_ALIAS, parseModelRef } from '../store/registry-ref';
import { RegistryError } from '../store/registry-types';
import { UserError } from './user-error';

/** `kiln models list|promote|export`: the local model registry ($KILN_HOME/models) that model/deploy@v1 fills. */
export function registerModelsCommand(program: Command): void {
  const models = program.command('models').description('list registered models and move their aliases');
  models
    .command('list')
    .description('every registered model version with its kind, aliases, metrics and the run that deployed it')
    .option('--json', 'print the registry as JSON')
    .action((options: { json?: boolean }) => list(options.json === true));
  models
    .command('promote')
    .description('point an alias (default production) at a version; a running `kiln serve` uses it from the next request')
    .argument('<name>', 'model name')
    .argument('<version>', 'version number')
    .option('--alias <alias>', 'the alias to move', DEFAULT_ALIAS)
    .action((name: string, version: string, options: { alias: string }) => promote(name, version, options.alias));
  models
    .command('export')
    .description('write a registered version as a Hugging Face model directory (config.json, model.safetensors, vocab.txt, tokenizer_config.json) that transformers loads')
    .argument('<model>', 'NAME, NAME:VERSION or NAME@ALIAS (NAME alone: the production alias)')
    .requiredOption('--out <dir>', 'the directory to write (created; must be empty if it exists)')
    .option('--format <format>', 'the format to write; huggingface is the one there is', 'huggingface')
    .action((model: string, options: { out: string; format: string }) => exportModel(model, options));
}

async function exportModel(model: string, options: { out: string; format: string }): Promise<void> {
  if (options.format !== 'huggingface') throw new UserError(`unknown --format ${JSON.stringify(options.format)}`, 'kiln exports --format huggingface', 2);
  const entries = await fs.readdir(options.out).catch(() => []);
  if (entries.length > 0) throw new UserError(`${options.out} is not empty`, 'give --out a new or empty directory: an export never mixes with other files', 2);
  const { registry } = homeStores(kilnHome());
  let resolved: Resolved;
  try {
    resolved = await registry.resolve(parseModelRef(model));
  } catch (error) {
    if (error instanceof RegistryError) throw new UserError(error.message, error.hint, 2);
    throw error;
  }
  const { exportHfModel } = await import('../nlp/hf/export');
  try {
    const result = await exportHfModel(resolved.dir, options.out);
    const { name, version } = resolved.record;
    console.log(`${name}:${version} → ${path.resolve(options.out)} (${result.architecture}, ${result.tensors} tensors): ${result.files.join(', ')}`);
  } catch (error) {
    if (error instanceof HfFormatError) throw new UserError(error.message, error.hint);
    throw error;
  }
}

async function list(json: boolean): Promise<void> {
  const { registry } = homeStores(kilnHome());
  const names = await registry.names();
  const all = await Promise.all(names.map(async (name) => ({ name, aliases: await registry.aliases(name), versions: await registry.versions(name) })));
  if (json) {
    console.log(JSON.stringify(all, null, 2));
    return;
  }
  if (names.length === 0) {
    console.log(`no models registered in ${registry.root}; a model/deploy@v1 step registers one`);
    return;
  }
  const rows = [['MODEL', 'KIND', 'ALIASES', 'CREATED', 'RUN', 'METRICS']];
  for (const { name, aliases, versions } of all) {
    for (const r of versions) {
      const pointing = Object.entries(aliases).filter(([, v]) => v === r.version).map(([a]) => a);
      rows.push([`${name}:${r.version}`, r.kind, pointing.join(',') || '-', r.created.slice(0, 19).replace('T', ' '), r.lineage.workflowId, metricsText(r.metrics)]);
    }
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  for (const row of rows) console.log(row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  '));
  const server = await findRunningServer(kilnHome());
  console.log(server ? `\nserving at ${server.url} (pid ${server.pid})` : '\nnot being served; start a server with `kiln serve`');
}

/** A few numbers of the model card's metrics, e.g. `validation.accuracy=0.91`. */
function metricsText(metrics: Json): string {
  const parts: string[] = [];
  const walk = (value: Json, prefix: string) => {
    if (typeof value === 'number') parts.push(`${prefix}=${Number.isInteger(value) ? value : value.toFixed(3)}`);
    else if (value && typeof value === 'object' && !Array.isArray(value)) for (const [k, v] of Object.entries(value)) walk(v, prefix ? `${prefix}.${k}` : k);
  };
  walk(metrics, '');
  return parts.slice(0, 4).join(' ') || '-';
}

async function promote(name: string, version: string, alias: string): Promise<void> {
  const { registry } = homeStores(kilnHome());
  try {
    const ref = parseModelRef(`${name}:${version}`);
    const { previous } = await registry.setAlias(ref.name, alias, ref.version!);
    console.log(`${name}@${alias} → ${ref.version}${previous === undefined ? '' : ` (was ${previous})`}`);
  } catch (error) {
    if (error instanceof RegistryError) throw new UserError(error.message, error.hint, 2);
    throw error;
  }
}
