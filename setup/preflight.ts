// What `kiln setup tensorflow` needs from the machine, checked before it downloads anything, each with its fix.
// `kiln setup status` prints the same checks.
import fs from 'node:fs/promises';
import path from 'node:path';

import { findOnPath } from '../system/processes';
import { findNodeGyp, NODE_HEADERS_HINT, nodeHeadersPrefix } from './build-binding';
import { SetupError } from './errors';
import { size } from './progress';

export interface Check {
  name: string;
  ok: boolean;
  /** What was found, or what is missing. */
  detail: string;
  fix?: string;
}

const BUILD_TOOLS_FIX = 'apt-get install build-essential (Debian/Ubuntu), dnf install gcc-c++ make (Fedora), or xcode-select --install (macOS)';

/** The tools that compiling the binding needs: a C++ compiler, make, python3 (for gyp), node-gyp, Node's headers. */
export function buildToolChecks(env: NodeJS.ProcessEnv = process.env, execPath = process.execPath): Check[] {
  const compiler = ['c++', 'g++', 'clang++'].map((name) => findOnPath(name, env)).find(Boolean);
  const make = findOnPath('make', env);
  const python = findOnPath('python3', env);
  const nodeGyp = findNodeGyp(env, execPath);
  const headers = nodeHeadersPrefix(execPath);
  return [
    tool('C++ compiler', compiler, 'no C++ compiler on PATH (looked for c++, g++, clang++)', BUILD_TOOLS_FIX),
    tool('make', make, 'make is not on PATH', BUILD_TOOLS_FIX),
    tool('python3', python, 'python3 is not on PATH (node-gyp runs gyp with it)', 'apt-get install python3 (Debian/Ubuntu), or install Python 3 from python.org'),
    tool('node-gyp', nodeGyp, "npm's bundled node-gyp was not found", 'reinstall npm, or set npm_config_node_gyp to node-gyp/bin/node-gyp.js'),
    tool('Node.js headers', headers && path.join(headers, 'include', 'node'), `no include/node/node_api.h next to ${execPath}`, NODE_HEADERS_HINT),
  ];
}

export function npmCheck(env: NodeJS.ProcessEnv = process.env): Check {
  return tool('npm', findOnPath('npm', env), 'npm is not on PATH', 'install Node.js with npm (https://nodejs.org)');
}

/** Free space where `dir` is (or would be created). */
export async function diskCheck(dir: string, neededBytes: number): Promise<Check> {
  let existing = dir;
  while (!(await exists(existing)) && path.dirname(existing) !== existing) existing = path.dirname(existing);
  const stats = await fs.statfs(existing);
  const free = stats.bavail * stats.bsize;
  const ok = free >= neededBytes;
  return {
    name: 'disk space',
    ok,
    detail: `${size(free)} free at ${existing}${ok ? '' : `, setup needs about ${size(neededBytes)}`}`,
    fix: ok ? undefined : 'free some space, or point XDG_CACHE_HOME at a disk with room (the cache is $XDG_CACHE_HOME/kiln/tensorflow)',
  };
}

/** Throws the first failed check as a one-line error with its fix. */
export function requirePassing(checks: Check[]): void {
  const failed = checks.find((check) => !check.ok);
  if (failed) throw new SetupError(`${failed.name}: ${failed.detail}`, failed.fix);
}

function tool(name: string, found: string | undefined, missing: string, fix: string): Check {
  return found ? { name, ok: true, detail: found } : { name, ok: false, detail: missing, fix };
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
