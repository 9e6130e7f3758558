// TensorFlow's C headers, which the Maven jars lack, from the tensorflow-cpu wheel on PyPI: the 14 files the
// binding's sources include, kept once for every variant; the 230 MB wheel is deleted afterwards.
import fs from 'node:fs/promises';
import path from 'node:path';

import { freshTempDir, moveIntoPlace, replaceWithSymlink } from './atomic';
import { downloadVerified, fetchText } from './download';
import { SetupError } from './errors';
import { downloadsDir, sharedHeadersDir, type SetupRoots } from './paths';
import { DEFAULT_PYPI_INDEX, HEADER_FILES, HEADERS_WHEEL } from './pins';
import type { SetupReporter } from './progress';
import { extractZipFiles } from './zip';

export interface HeadersResult {
  url: string;
  sha256: string;
}

/** A PEP 503/691 "simple" index: `KILN_PYPI_INDEX`, else pip's `PIP_INDEX_URL`, else PyPI. */
export function pypiIndex(env: NodeJS.ProcessEnv = process.env): string {
  return (env.KILN_PYPI_INDEX || env.PIP_INDEX_URL || DEFAULT_PYPI_INDEX).replace(/\/+$/u, '');
}

const INDEX_HINT = 'KILN_PYPI_INDEX overrides the package index (a PEP 503 "simple" index; default https://pypi.org/simple)';

/** The wheel's download URL as the index lists it (PyPI's JSON form, or the HTML form mirrors serve). */
export async function findWheelUrl(index: string, project: string, filename: string, sha256: string): Promise<string> {
  const page = `${index}/${project}/`;
  const { text, contentType } = await fetchText(page, { accept: 'application/vnd.pypi.simple.v1+json, text/html;q=0.1', hint: INDEX_HINT });
  let href: string | undefined;
  let listed: string | undefined;
  if (contentType.includes('json')) {
    const files = (JSON.parse(text) as { files?: Array<{ filename: string; url: string; hashes?: { sha256?: string } }> }).files ?? [];
    const file = files.find((f) => f.filename === filename);
    href = file?.url;
    listed = file?.hashes?.sha256;
  } else {
    for (const match of text.matchAll(/<a\s[^>]*href="([^"]+)"[^>]*>([^<]+)<\/a>/giu)) {
      if (match[2]!.trim() !== filename) continue;
      href = match[1]!.replace(/&amp;/gu, '&');
      listed = /#sha256=([0-9a-f]{64})/u.exec(href)?.[1];
    }
  }
  if (!href) throw new SetupError(`${page} does not list ${filename}`, INDEX_HINT);
  if (listed && listed !== sha256) {
    throw new SetupError(`${page} lists sha256 ${listed} for ${filename}, but kiln expects ${sha256}`, INDEX_HINT);
  }
  return new URL(href.split('#')[0]!, page).href;
}

/** Fills `<cache>/tensorflow/headers-2.18.0/include/` (via a temporary directory renamed into place). */
export async function fetchHeaders(roots: SetupRoots, env: NodeJS.ProcessEnv, reporter: SetupReporter): Promise<HeadersResult> {
  const url = await findWheelUrl(pypiIndex(env), HEADERS_WHEEL.project, HEADERS_WHEEL.filename, HEADERS_WHEEL.sha256);
  const wheel = path.join(downloadsDir(roots), HEADERS_WHEEL.filename);
  const expected = { bytes: HEADERS_WHEEL.bytes, sha256: HEADERS_WHEEL.sha256 };
  const digests = await downloadVerified({ url, dest: wheel, expected, label: `${HEADERS_WHEEL.project} wheel (headers only)`, reporter, hint: INDEX_HINT });

  const dir = sharedHeadersDir(roots);
  const temp = await freshTempDir(dir);
  const wanted = HEADER_FILES.map((header) => ({ name: `tensorflow/include/${header}`, dest: path.join(temp, 'include', header) }));
  for (const { dest } of wanted) await fs.mkdir(path.dirname(dest), { recursive: true });
  await extractZipFiles(wheel, wanted);
  await moveIntoPlace(temp, dir);
  await fs.rm(wheel, { force: true });
  return { url, sha256: digests.sha256 };
}

/** The variant's include/ is a relative link to the shared headers, so the cache can move as a whole. */
export async function linkHeaders(roots: SetupRoots, includeDir: string): Promise<void> {
  const target = path.relative(path.dirname(includeDir), path.join(sharedHeadersDir(roots), 'include'));
  await replaceWithSymlink(includeDir, target);
}
