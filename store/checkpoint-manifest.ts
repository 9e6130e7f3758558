// checkpoint.json: what a checkpoint directory must contain (each file's sha256 and size), its training step
// and the config it was written under. The checkpoint's digest is the sha256 of this file's bytes.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

import type { Json } from '../contract/json';

export const MANIFEST_FILE = 'checkpoint.json';
export const MANIFEST_FORMAT = 'kiln/checkpoint@1';

export interface CheckpointManifest {
  format: typeof MANIFEST_FORMAT;
  step: number;
  files: { [name: string]: { sha256: string; bytes: number } };
  /** The settings a resumed run must share with the writer (compared key by key). */
  config: Json;
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function buildManifest(step: number, files: ReadonlyMap<string, Uint8Array>, config: Json): CheckpointManifest {
  const entries: CheckpointManifest['files'] = {};
  for (const [name, data] of files) entries[name] = { sha256: sha256Hex(data), bytes: data.byteLength };
  return { format: MANIFEST_FORMAT, step, files: entries, config };
}

export type Verified = { ok: true; manifest: CheckpointManifest; digest: string; files: Map<string, Buffer> } | { ok: false; missing: boolean; problem: string };

/**
 * Reads a checkpoint directory and checks every byte against its manifest (and the manifest against
 * `expectedDigest` when the registry or a heartbeat named one). Returns the verified file contents, so
 * what is loaded is exactly what was checked.
 */
export async function verifyCheckpoint(dir: string, expectedDigest?: string): Promise<Verified> {
  let raw: Buffer;
  try {
    raw = await fs.readFile(path.join(dir, MANIFEST_FILE));
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    return { ok: false, missing, problem: missing ? `no ${MANIFEST_FILE}` : `cannot read ${MANIFEST_FILE}: ${(error as Error).message}` };
  }
  const digest = `sha256:${sha256Hex(raw)}`;
  if (expectedDigest !== undefined && digest !== expectedDigest) {
    return { ok: false, missing: false, problem: `${MANIFEST_FILE} has digest ${digest}, the registry recorded ${expectedDigest}` };
  }
  let manifest: CheckpointManifest;
  try {
    manifest = JSON.parse(raw.toString('utf8')) as CheckpointManifest;
  } catch (error) {
    return { ok: false, missing: false, problem: `${MANIFEST_FILE} is not JSON (${(error as Error).message})` };
  }
  if (manifest?.format !== MANIFEST_FORMAT || !Number.isSafeInteger(manifest.step) || typeof manifest.files !== 'object') {
    return { ok: false, missing: false, problem: `${MANIFEST_FILE} is not a ${MANIFEST_FORMAT} manifest` };
  }
  const files = new Map<string, Buffer>();
  for (const [name, expected] of Object.entries(manifest.files)) {
    if (name.includes('/') || name.includes('\\') || name.startsWith('.')) {
      return { ok: false, missing: false, problem: `${MANIFEST_FILE} names an invalid file '${name}'` };
    }
    let data: Buffer;
    try {
      data = await fs.readFile(path.join(dir, name));
    } catch (error) {
      return { ok: false, missing: false, problem: `${name}: ${(error as Error).message}` };
    }
    if (data.byteLength !== expected.bytes) {
      return { ok: false, missing: false, problem: `${name} has ${data.byteLength} bytes, the manifest says ${expected.bytes}` };
    }
    const hex = sha256Hex(data);
    if (hex !== expected.sha256) return { ok: false, missing: false, problem: `${name} has sha256 ${hex}, the manifest says ${expected.sha256}` };
    files.set(name, data);
  }
  return { ok: true, manifest, digest, files };
}

/** Dotted keys whose values differ, e.g. `model.hidden_size: 32 (checkpoint) vs 16 (now)`. */
export function configDifferences(saved: Json, current: Json, prefix = ''): string[] {
  const isObject = (v: Json): v is { [key: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObject(saved) && isObject(current)) {
    const keys = [...new Set([...Object.keys(saved), ...Object.keys(current)])].sort();
    return keys.flatMap((k) => {
      const at = prefix ? `${prefix}.${k}` : k;
      if (!(k in saved)) return [`${at}: absent (checkpoint) vs ${JSON.stringify(current[k])} (now)`];
      if (!(k in current)) return [`${at}: ${JSON.stringify(saved[k])} (checkpoint) vs absent (now)`];
      return configDifferences(saved[k]!, current[k]!, at);
    });
  }
  if (JSON.stringify(saved) === JSON.stringify(current)) return [];
  return [`${prefix || '(config)'}: ${JSON.stringify(saved)} (checkpoint) vs ${JSON.stringify(current)} (now)`];
}
