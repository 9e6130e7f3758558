// The CLI as plain JavaScript: esbuild bundles cli/main.ts (our code only; packages stay external) into
// dist/<build>/, one chunk per lazily loaded command, so `bin/kiln` never compiles TypeScript at start.
// `npm install` builds it (`prepare`); `bin/kiln` rebuilds it when a source file changed since.
//
// Every `import.meta.url` in our code is replaced by the URL of the source file it is written in, so paths
// relative to a module (schemas/, README.md, bin/kiln, training-thread entries) mean what they mean in source.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');
const CURRENT = path.join(DIST, 'current.json');
const ENTRY = 'cli/main.ts';
/** Older builds are kept a while: a running `kiln worker` may still load a chunk of the build it started on. */
const KEEP_BUILDS = 4;

/** The entry to import: the current build when every input is unchanged, else null. Cheap: one stat per input. */
export function currentBuild() {
  let current;
  try {
    current = JSON.parse(fs.readFileSync(CURRENT, 'utf8'));
  } catch {
    return null;
  }
  for (const [file, stamp] of Object.entries(current.inputs)) {
    let stat;
    try {
      stat = fs.statSync(path.join(ROOT, file));
    } catch {
      return null;
    }
    if (`${stat.mtimeMs}:${stat.size}` !== stamp) return null;
  }
  return path.join(DIST, current.dir, 'main.js');
}

/** Builds dist/<id>/ and points dist/current.json at it; concurrent builders each finish their own. */
export async function build() {
  const { build: esbuild } = await import('esbuild');
  const staging = path.join(DIST, `.staging-${process.pid}-${Date.now()}`);
  const result = await esbuild({
    absWorkingDir: ROOT,
    entryPoints: { main: ENTRY },
    outdir: staging,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    metafile: true,
    // Bundled packages are CommonJS inside an ES module: give them the require() they expect.
    banner: { js: "import { createRequire as __kilnRequire } from 'node:module'; const require = __kilnRequire(import.meta.url);" },
    logLevel: 'silent',
    plugins: [sourceUrls, externalPackages],
  });
  const inputs = {};
  for (const file of [...Object.keys(result.metafile.inputs), path.relative(ROOT, fileURLToPath(import.meta.url))].sort()) {
    const stat = fs.statSync(path.join(ROOT, file));
    inputs[file] = `${stat.mtimeMs}:${stat.size}`;
  }
  const id = createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 12);
  const dir = path.join(DIST, id);
  try {
    fs.renameSync(staging, dir);
  } catch {
    // Another process built the same sources first.
    fs.rmSync(staging, { recursive: true, force: true });
  }
  const tmp = `${CURRENT}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ dir: id, inputs }, null, 1));
  fs.renameSync(tmp, CURRENT);
  prune(id);
  return path.join(dir, 'main.js');
}

function prune(keep) {
  const builds = fs
    .readdirSync(DIST, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== keep && !e.name.startsWith('.'))
    .map((e) => ({ name: e.name, mtime: fs.statSync(path.join(DIST, e.name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const old of builds.slice(KEEP_BUILDS - 1)) fs.rmSync(path.join(DIST, old.name), { recursive: true, force: true });
}

const sourceUrls = {
  name: 'source-urls',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      const source = await fs.promises.readFile(args.path, 'utf8');
      const url = JSON.stringify(pathToFileURL(args.path).href);
      return { contents: source.replaceAll('import.meta.url', url), loader: 'ts' };
    });
  },
};

/** Small pure-JS packages every command loads: one file parses faster than their hundred. */
const BUNDLED = new Set(['commander', 'yaml', 'ajv', 'ajv-formats']);

/**
 * Other packages stay external. A deep import without an extension (`ajv/dist/2020`), which Node's ESM resolver
 * refuses, gets the file's real extension.
 */
const externalPackages = {
  name: 'external-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:')) return { path: args.path, external: true };
      const parts = args.path.split('/');
      const name = parts.slice(0, args.path.startsWith('@') ? 2 : 1).join('/');
      if (BUNDLED.has(name) || args.importer.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const subpath = parts.slice(args.path.startsWith('@') ? 2 : 1).join('/');
      if (!subpath || path.extname(subpath)) return { path: args.path, external: true };
      let resolved;
      try {
        resolved = createRequire(path.join(args.resolveDir, 'x.js')).resolve(args.path);
      } catch {
        return { path: args.path, external: true };
      }
      for (const tail of ['.js', '/index.js']) {
        if (resolved.endsWith(`${path.sep}${subpath}${tail}`.replaceAll('/', path.sep))) return { path: `${args.path}${tail}`, external: true };
      }
      return { path: args.path, external: true };
    });
  },
};

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const entry = await build();
  console.log(`kiln: built ${path.relative(ROOT, entry)} in ${Date.now() - started} ms`);
}
