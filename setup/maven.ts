// TensorFlow's C library from TensorFlow Java's native jar on Maven Central: download, verify, unpack into lib/.
import fs from 'node:fs/promises';
import path from 'node:path';

import { freshTempDir, moveIntoPlace } from './atomic';
import { firstMismatch, hashFile } from './checksum';
import { downloadVerified, fetchText } from './download';
import { SetupError } from './errors';
import { downloadsDir, type SetupRoots, type VariantLayout } from './paths';
import { DEFAULT_MAVEN_REPOSITORY, MAVEN_ARTIFACT, type JarPin } from './pins';
import type { SetupReporter } from './progress';
import { extractZipFiles } from './zip';

export interface LibraryResult {
  url: string;
  bytes: number;
  sha1: string;
  sha256: string;
}

/** `KILN_MAVEN_REPOSITORY` (a mirror of Maven Central), else Maven Central. */
export function mavenRepository(env: NodeJS.ProcessEnv = process.env): string {
  return (env.KILN_MAVEN_REPOSITORY || DEFAULT_MAVEN_REPOSITORY).replace(/\/+$/u, '');
}

export function jarUrl(repository: string, classifier: string): string {
  const { group, artifact, version } = MAVEN_ARTIFACT;
  return `${repository}/${group}/${artifact}/${version}/${artifact}-${version}-${classifier}.jar`;
}

const MIRROR_HINT = 'KILN_MAVEN_REPOSITORY overrides the Maven repository (default https://repo1.maven.org/maven2)';

/**
 * Fills `layout.libDir` with the jar's libraries and the names binding.gyp links against. It unpacks into a
 * temporary directory renamed into place at the end, so lib/ exists only complete.
 */
export async function fetchLibrary(roots: SetupRoots, layout: VariantLayout, env: NodeJS.ProcessEnv, reporter: SetupReporter): Promise<LibraryResult> {
  const pin = layout.target.jar;
  const url = jarUrl(mavenRepository(env), pin.classifier);
  await checkPublishedSha1(url, pin, reporter);
  const jar = path.join(downloadsDir(roots), path.basename(url));
  const digests = (await reuseVerified(jar, url, pin)) ?? (await downloadVerified({ url, dest: jar, expected: pin, label: path.basename(url), reporter, hint: MIRROR_HINT }));

  const temp = await freshTempDir(layout.libDir);
  const prefix = `org/tensorflow/internal/c_api/${pin.classifier}/`;
  for (const library of layout.target.libraries) reporter.line(`  unpacking ${library}`);
  await extractZipFiles(
    jar,
    layout.target.libraries.map((library) => ({ name: prefix + library, dest: path.join(temp, library), mode: 0o755 })),
  );
  for (const [name, target] of layout.target.links) await fs.symlink(target, path.join(temp, name));
  await moveIntoPlace(temp, layout.libDir);
  await fs.rm(jar, { force: true }); // the unpacked library is what we keep; the jar would only double the space
  return { url, ...digests };
}

/** Maven publishes a `.sha1` beside each jar: if it disagrees with kiln's pin, the repository serves another build. */
async function checkPublishedSha1(url: string, pin: JarPin, reporter: SetupReporter): Promise<void> {
  let published: string;
  try {
    published = (await fetchText(`${url}.sha1`, { hint: MIRROR_HINT })).text.trim().split(/\s+/u)[0]!.toLowerCase();
  } catch (error) {
    reporter.line(`  (no ${path.basename(url)}.sha1: ${(error as Error).message}; checking against kiln's pinned checksums only)`);
    return;
  }
  if (published !== pin.sha1) {
    throw new SetupError(`${url}.sha1 says ${published}, but kiln expects sha1 ${pin.sha1} for this jar`, MIRROR_HINT);
  }
}

/** A jar left by an interrupted setup (downloaded and verified, not yet unpacked) is used again if it matches. */
async function reuseVerified(jar: string, url: string, pin: JarPin): Promise<LibraryResult | undefined> {
  const digests = await hashFile(jar).catch(() => undefined);
  if (!digests) return undefined;
  if (!firstMismatch(digests, pin)) return { url, ...digests };
  await fs.rm(jar, { force: true }); // not what it should be: download it again
  return undefined;
}
