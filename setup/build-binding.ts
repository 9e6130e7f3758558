// Compiles the package's N-API binding (two C++ files) with npm's own node-gyp against the local Node headers and
// the cached TensorFlow, for the one N-API version the runtime will load; keeps a copy in the cache so that
// reinstalling the package (after `npm install` pruned it) needs no compiler.
import { existsSync, realpathSync } from 'node:fs';
import fs from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';

import { findOnPath, quoteLines } from '../system/processes';
import { copyAtomically } from './atomic';
import { SetupError } from './errors';
import { runProcess } from './exec';
import { cachedBindingPath, packageBindingPath, type VariantLayout } from './paths';
import type { SetupReporter } from './progress';

/** The prefix whose `include/node/node_api.h` exists, so node-gyp needs to download no headers. */
export function nodeHeadersPrefix(execPath = process.execPath): string | undefined {
  const prefixes = [execPath, safeRealpath(execPath)].map((exe) => path.dirname(path.dirname(exe)));
  return prefixes.find((prefix) => existsSync(path.join(prefix, 'include', 'node', 'node_api.h')));
}

export const NODE_HEADERS_HINT =
  'install the Node.js headers (Debian/Ubuntu: `apt-get install libnode-dev` or `nodejs-dev`), or use a Node.js from nodejs.org, which ships include/node';

/** npm's bundled node-gyp: `npm_config_node_gyp`, else next to the npm on PATH, else under Node's prefix. */
export function findNodeGyp(env: NodeJS.ProcessEnv = process.env, execPath = process.execPath): string | undefined {
  const candidates: string[] = [];
  if (env.npm_config_node_gyp) candidates.push(env.npm_config_node_gyp);
  const npm = findOnPath('npm', env);
  // npm is a link to <npm root>/bin/npm-cli.js.
  if (npm) candidates.push(path.join(path.dirname(path.dirname(safeRealpath(npm))), 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  for (const exe of [execPath, safeRealpath(execPath)]) {
    candidates.push(path.join(path.dirname(path.dirname(exe)), 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  }
  return candidates.find((file) => existsSync(file));
}

export interface BuildRequest {
  layout: VariantLayout;
  napiVersion: number;
  env: NodeJS.ProcessEnv;
  reporter: SetupReporter;
}

/** Builds into the package's `lib/napi-v<N>/` and copies the result into the cache. Output goes to build.log. */
export async function buildBinding({ layout, napiVersion, env, reporter }: BuildRequest): Promise<void> {
  const nodeGyp = findNodeGyp(env);
  if (!nodeGyp) throw new SetupError("npm's node-gyp was not found", 'reinstall npm, or point npm_config_node_gyp at node-gyp/bin/node-gyp.js');
  const prefix = nodeHeadersPrefix();
  if (!prefix) throw new SetupError(`no Node.js headers next to ${process.execPath} (include/node/node_api.h)`, NODE_HEADERS_HINT);
  const built = packageBindingPath(layout, napiVersion);
  const args = [
    nodeGyp,
    'rebuild',
    `--nodedir=${prefix}`,
    // node-gyp hands `--name=value` to gyp as variables: what node-pre-gyp would pass for this one N-API version.
    `--napi_build_version=${napiVersion}`,
    '--module_name=tfjs_binding',
    `--module_path=${path.dirname(built)}`,
    '--jobs',
    String(availableParallelism()),
  ];
  await fs.mkdir(layout.dir, { recursive: true });
  await fs.writeFile(layout.buildLog, `$ cd ${layout.packageDir} && ${process.execPath} ${args.join(' ')}\n`);
  reporter.line(`  compiling tfjs_binding (napi-v${napiVersion}) with node-gyp; log: ${layout.buildLog}`);
  const result = await runProcess(process.execPath, args, {
    cwd: layout.packageDir,
    env,
    logFile: layout.buildLog,
    onLine: (line) => {
      if (/^\s*(CXX|SOLINK_MODULE|COPY)\(/u.test(line)) reporter.line(`    ${line.trim()}`);
    },
  });
  if (result.code !== 0 || !existsSync(built)) {
    throw new SetupError(
      `building tfjs_binding failed (node-gyp exited ${result.code}); the last lines of ${layout.buildLog}:\n${quoteLines(result.output, 20)}`,
      'the whole log is in the file above; `kiln setup status` lists what the build needs',
    );
  }
  if (process.platform === 'darwin') await addMacRpath(built, layout);
  await copyAtomically(built, cachedBindingPath(layout, napiVersion));
}

/** The jar's dylibs are named `@rpath/...`; binding.gyp only rewrites `libtensorflow.2.dylib`, so give it an rpath. */
async function addMacRpath(binding: string, layout: VariantLayout): Promise<void> {
  const result = await runProcess('install_name_tool', ['-add_rpath', '@loader_path/../../deps/lib', binding], { logFile: layout.buildLog });
  if (result.code !== 0) throw new SetupError(`install_name_tool -add_rpath failed on ${binding}:\n${quoteLines(result.output, 5)}`);
}

/** Puts the cached binding where the package's runtime looks for it: a fresh install needs no compile. */
export async function installCachedBinding(layout: VariantLayout, napiVersion: number): Promise<void> {
  await copyAtomically(cachedBindingPath(layout, napiVersion), packageBindingPath(layout, napiVersion));
}

function safeRealpath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}
