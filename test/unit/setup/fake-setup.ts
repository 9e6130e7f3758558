// A complete-looking setup in temporary directories: cache (library, headers, cached binding, marker) and a kiln
// root whose node_modules holds the package, its deps link and binding. No TensorFlow involved.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { replaceWithSymlink } from '../../../setup/atomic';
import { napiBuildVersion } from '../../../setup/npm-package';
import { cachedBindingPath, packageBindingPath, sharedHeadersDir, variantLayout, type SetupRoots, type VariantLayout } from '../../../setup/paths';
import { TFJS_NODE_NAPI_VERSIONS } from '../../../setup/pins';
import { linkHeaders } from '../../../setup/pypi-headers';
import { writeMarker } from '../../../setup/state';

export interface FakeSetup {
  roots: SetupRoots;
  layout: VariantLayout;
  napiVersion: number;
  cleanup: () => Promise<void>;
}

export const PACKAGE_JSON = { name: '@tensorflow/tfjs-node', version: '4.22.0', main: 'index.js', binary: { napi_versions: TFJS_NODE_NAPI_VERSIONS } };

export async function fakeSetup(): Promise<FakeSetup> {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-setup-fake-'));
  const roots = { kilnRoot: path.join(base, 'kiln'), cacheRoot: path.join(base, 'cache', 'kiln') };
  const layout = variantLayout(roots, 'cpu');
  const napiVersion = napiBuildVersion(PACKAGE_JSON)!;

  await fs.mkdir(layout.libDir, { recursive: true });
  for (const library of layout.target.libraries) await fs.writeFile(path.join(layout.libDir, library), 'not really a library');
  for (const [name, target] of layout.target.links) await fs.symlink(target, path.join(layout.libDir, name));
  const header = path.join(sharedHeadersDir(roots), 'include', 'tensorflow', 'c', 'c_api.h');
  await fs.mkdir(path.dirname(header), { recursive: true });
  await fs.writeFile(header, '// c_api.h\n');
  await linkHeaders(roots, layout.includeDir);
  await fs.mkdir(path.dirname(cachedBindingPath(layout, napiVersion)), { recursive: true });
  await fs.writeFile(cachedBindingPath(layout, napiVersion), 'compiled binding');
  await writeMarker(layout, {
    tensorflow: '2.18.0',
    package: layout.packageName,
    packageVersion: '4.22.0',
    variant: 'cpu',
    platform: layout.platform,
    napiVersion,
    library: { url: 'https://example/lib.jar', bytes: 1, sha1: 'x', sha256: 'y' },
    headers: { dir: sharedHeadersDir(roots), wheel: 'w.whl', sha256: 'z' },
    verified: { tensorflow: '2.18.0', packageVersion: '4.22.0' },
    steps: {},
    completedAt: new Date(0).toISOString(),
  });

  await fs.mkdir(roots.kilnRoot, { recursive: true });
  await fs.writeFile(path.join(roots.kilnRoot, 'package.json'), '{"name":"kiln"}\n');
  await installFakePackage(layout, napiVersion);
  return { roots, layout, napiVersion, cleanup: () => fs.rm(base, { recursive: true, force: true }) };
}

/** The package as `kiln setup` leaves it: package.json, a `deps` link to the cache, the cached binding copied in. */
export async function installFakePackage(layout: VariantLayout, napiVersion: number, main = "module.exports = {};\n"): Promise<void> {
  await fs.mkdir(layout.packageDir, { recursive: true });
  await fs.writeFile(path.join(layout.packageDir, 'package.json'), JSON.stringify(PACKAGE_JSON));
  await fs.writeFile(path.join(layout.packageDir, 'index.js'), main);
  await replaceWithSymlink(layout.depsLink, layout.dir);
  await fs.mkdir(path.dirname(packageBindingPath(layout, napiVersion)), { recursive: true });
  await fs.copyFile(cachedBindingPath(layout, napiVersion), packageBindingPath(layout, napiVersion));
}
