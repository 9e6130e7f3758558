import fs from 'node:fs/promises';

import { canonicalJson, sha256Hex } from '../compiler/canonical';
import type { Json } from '../contract/json';
import { directoryDigest } from './artifacts';
import { sha256File } from './atomic';
import { isArtifactRef } from './types';
import { resolveInputPath } from '../system/input-path';

/** Everything a step's result depends on, in the form that is hashed. `kiln plan` shows it. */
export interface CacheKeyParts {
  /** `family/name@vN`. */
  type: string;
  /** Bumped in the step's schema when its code starts producing different results. */
  implementation: number;
  /** Inputs with artifacts replaced by their digests and local files by their content hashes. */
  inputs: Json;
}

/** What the cache needs to know of a step type (the catalog's StepType has it). */
export interface CacheableType {
  type: string;
  implementation: number;
  schema: unknown;
}

export async function keyPartsFor(stepType: CacheableType, inputs: Json, baseDir: string): Promise<CacheKeyParts> {
  const pathKeys = pathKeysOf(stepType.schema);
  return { type: stepType.type, implementation: stepType.implementation, inputs: await canonicalInputs(inputs, pathKeys, baseDir) };
}

export function cacheKeyOf(parts: CacheKeyParts): string {
  return sha256Hex(canonicalJson(parts as unknown as Json));
}

/**
 * The inputs as the cache sees them: an artifact is its digest (its uri and meta follow from the content),
 * and a string under a key the schema marks `x-kiln-path` is the file's content hash, so editing a corpus file
 * invalidates the step even though the pipeline text is unchanged.
 */
export async function canonicalInputs(value: Json, pathKeys: ReadonlySet<string>, baseDir: string, key = ''): Promise<Json> {
  if (isArtifactRef(value)) return { artifact: value.digest };
  if (Array.isArray(value)) return Promise.all(value.map((item) => canonicalInputs(item, pathKeys, baseDir)));
  if (typeof value === 'string' && pathKeys.has(key)) return { path: value, content: await fileDigest(resolveInputPath(baseDir, value)) };
  if (value === null || typeof value !== 'object') return value;
  const out: { [key: string]: Json } = {};
  for (const [k, v] of Object.entries(value)) out[k] = await canonicalInputs(v, pathKeys, baseDir, k);
  return out;
}

/** A file's sha256, or a directory's manifest digest (model/import@v1's path): editing any file inside changes it. */
async function fileDigest(file: string): Promise<string> {
  const stat = await fs.stat(file).catch(() => undefined);
  if (stat?.isDirectory()) return `sha256:${(await directoryDigest(file)).hex}`;
  // A missing file cannot be cached; the step itself reports it properly.
  if (!stat?.isFile()) return 'missing';
  return `sha256:${(await sha256File(file)).hex}`;
}

/** Property names marked `x-kiln-path` (a file, or `"directory"`) anywhere in a step's schema. */
export function pathKeysOf(schema: unknown): Set<string> {
  const keys = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const properties = (node as { properties?: Record<string, unknown> }).properties;
    for (const [name, child] of Object.entries(properties ?? {})) {
      if (child && typeof child === 'object' && [true, 'directory'].includes((child as Record<string, unknown>)['x-kiln-path'] as never)) keys.add(name);
    }
    Object.values(node).forEach(walk);
  };
  walk(schema);
  return keys;
}

/** Why two key parts differ, in words: which input changed and how. */
export function explainChange(before: CacheKeyParts, after: CacheKeyParts): string[] {
  if (before.type !== after.type) return [`step type changed (${before.type} → ${after.type})`];
  if (before.implementation !== after.implementation) {
    return [`implementation of ${after.type} changed (version ${before.implementation} → ${after.implementation})`];
  }
  const reasons: string[] = [];
  diff(before.inputs, after.inputs, '', reasons);
  return reasons.length ? reasons : ['no previous result with these inputs'];
}

function show(value: Json | undefined): string {
  if (value === undefined) return '(unset)';
  const text = JSON.stringify(value);
  return text.length > 40 ? text.slice(0, 37) + '...' : text;
}

function diff(a: Json | undefined, b: Json | undefined, where: string, out: string[]): void {
  if (canonicalJson(a ?? null) === canonicalJson(b ?? null)) return;
  const isObj = (v: Json | undefined): v is { [k: string]: Json } => !!v && typeof v === 'object' && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    if ('artifact' in b && 'artifact' in a) return void out.push(`input ${where} is a different artifact (${show(a.artifact)} → ${show(b.artifact)})`);
    if ('content' in b && 'content' in a && a.path === b.path) return void out.push(`content of file ${show(b.path)} (${where}) changed`);
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) diff(a[k], b[k], where ? `${where}.${k}` : k, out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((item, i) => diff(item, b[i], `${where}[${i}]`, out));
    return;
  }
  out.push(`input ${where || '(all)'} changed: ${show(a)} → ${show(b)}`);
}
