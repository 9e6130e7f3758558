// The parts of a shared store beside its artifacts and cache that `kiln store verify` checks: mirrored training
// checkpoints (against their registry and checkpoint.json), model registry records (the artifacts they name) and
// aliases (the versions they name), and metrics histories (every line a record).
import { createHash } from 'node:crypto';

import type { CheckpointManifest } from '../checkpoint-manifest';
import { MANIFEST_FILE, MANIFEST_FORMAT } from '../checkpoint-manifest';
import { REGISTRY_FILE, stepDirName, type RegistryEntry } from '../checkpoint-registry';
import { parseHistory } from '../metrics-history';
import type { VersionRecord } from '../registry-types';
import type { VerifyCounts } from '../verify-types';
import { RemoteRegistry } from './remote-registry';
import type { SharedCheck } from './remote-verify';

const REGISTRY_FORMAT = 'kiln/checkpoint-registry@1';
/** `checkpoints/<run>/<step>/registry.json`: the mirror uploads it after the checkpoints it names. */
const CHECKPOINT_REGISTRY_KEY = /^(checkpoints\/[^/]+\/[^/]+)\/registry\.json$/u;

/** Each registered checkpoint's checkpoint.json against the registry's digest, and its files against checkpoint.json. */
export async function checkSharedCheckpoints(check: SharedCheck, counts: VerifyCounts): Promise<void> {
  const roots: string[] = [];
  for await (const object of check.objects.list('checkpoints/')) {
    const root = CHECKPOINT_REGISTRY_KEY.exec(object.key)?.[1];
    if (root) roots.push(root);
  }
  for (const [i, root] of roots.entries()) {
    const registryKey = `${root}/${REGISTRY_FILE}`;
    const found = await check.objects.getBytes(registryKey);
    if (!found) continue;
    const entries = parseCheckpointRegistry(found.bytes);
    if (typeof entries === 'string') {
      check.add(counts, { kind: 'corrupt-checkpoint', severity: 'corrupt', path: check.uriOf(registryKey), message: `${entries}; a resume on another machine finds no checkpoint` });
      continue;
    }
    for (const entry of entries) {
      const dirKey = `${root}/${entry.dir}`;
      const result = await checkCheckpoint(check, dirKey, entry.digest);
      if (result === 'missing') {
        check.add(counts, { kind: 'missing-checkpoint', severity: 'stale', path: check.uriOf(dirKey), message: `registered in ${REGISTRY_FILE} but its ${MANIFEST_FILE} is not in the store; resuming skips it` });
      } else if (typeof result === 'string') {
        counts.count++;
        check.add(counts, { kind: 'corrupt-checkpoint', severity: 'corrupt', path: check.uriOf(dirKey), message: result });
      } else {
        counts.count++;
        counts.bytes += result.bytes;
      }
    }
    check.tick('checkpoints', i + 1, roots.length, counts.bytes);
  }
}

/** The entries, or why the registry cannot be read. */
function parseCheckpointRegistry(bytes: Buffer): RegistryEntry[] | string {
  let parsed: { format?: string; checkpoints?: RegistryEntry[] };
  try {
    parsed = JSON.parse(bytes.toString('utf8')) as typeof parsed;
  } catch (error) {
    return `${REGISTRY_FILE} is not JSON (${(error as Error).message})`;
  }
  const list = parsed?.checkpoints;
  const valid = parsed?.format === REGISTRY_FORMAT && Array.isArray(list) && list.every((e) => Number.isSafeInteger(e?.step) && e.dir === stepDirName(e.step) && typeof e.digest === 'string');
  return valid ? list : `${REGISTRY_FILE} is not a ${REGISTRY_FORMAT} file`;
}

/** 'missing' when checkpoint.json is not there, a problem, or the checkpoint's bytes. */
async function checkCheckpoint(check: SharedCheck, dirKey: string, digest: string): Promise<'missing' | string | { bytes: number }> {
  const raw = await check.objects.getBytes(`${dirKey}/${MANIFEST_FILE}`);
  if (!raw) return 'missing';
  const actual = `sha256:${createHash('sha256').update(raw.bytes).digest('hex')}`;
  if (actual !== digest) return `${MANIFEST_FILE} has digest ${actual}, the registry recorded ${digest}`;
  let manifest: CheckpointManifest;
  try {
    manifest = JSON.parse(raw.bytes.toString('utf8')) as CheckpointManifest;
  } catch (error) {
    return `${MANIFEST_FILE} is not JSON (${(error as Error).message})`;
  }
  if (manifest?.format !== MANIFEST_FORMAT || typeof manifest.files !== 'object' || manifest.files === null) return `${MANIFEST_FILE} is not a ${MANIFEST_FORMAT} manifest`;
  let bytes = raw.bytes.length;
  for (const [name, expected] of Object.entries(manifest.files)) {
    if (name.includes('/') || name.startsWith('.')) return `${MANIFEST_FILE} names an invalid file '${name}'`;
    const found = await check.objectDigest(`${dirKey}/${name}`);
    if (!found) return `${name} is missing`;
    if (found.bytes !== expected.bytes) return `${name} has ${found.bytes} bytes, the manifest says ${expected.bytes}`;
    const what = found.how === 'recorded' ? 'the sha256 recorded with it' : 'its sha256';
    if (found.sha256 !== expected.sha256) return `${name}: ${what} is ${found.sha256}, the manifest says ${expected.sha256}`;
    bytes += found.bytes;
  }
  return { bytes };
}

/** Every version record must name an artifact the store holds intact; every alias a version that exists. */
export async function checkSharedModels(check: SharedCheck, counts: VerifyCounts): Promise<void> {
  const registry = new RemoteRegistry(check.objects);
  for (const name of await registry.names()) {
    const aliasesKey = `models/${name}/aliases.json`;
    const versions = await registry.versionNumbers(name);
    for (const version of versions) {
      const key = `models/${name}/versions/${version}.json`;
      counts.count++;
      let record: VersionRecord | undefined;
      try {
        record = await registry.record(name, version);
      } catch (error) {
        check.add(counts, { kind: 'corrupt-model-version', severity: 'corrupt', path: check.uriOf(key), message: `the record is unreadable: ${(error as Error).message}` });
        continue;
      }
      if (!record) continue;
      const hexes = new Set<string>();
      if (typeof record.digest === 'string' && record.digest.startsWith('sha256:')) hexes.add(record.digest.slice('sha256:'.length));
      if (typeof record.source?.uri === 'string' && record.source.uri.startsWith('kiln://sha256/')) hexes.add(record.source.uri.slice('kiln://sha256/'.length));
      if (hexes.size === 0) {
        check.add(counts, { kind: 'corrupt-model-version', severity: 'corrupt', path: check.uriOf(key), message: `the record names no artifact (digest ${JSON.stringify(record.digest)})` });
        continue;
      }
      counts.bytes += check.artifactBytes([...hexes][0]!);
      for (const hex of hexes) {
        const state = /^[0-9a-f]{64}$/u.test(hex) ? await check.artifactStatus(hex) : undefined;
        if (state === 'ok') continue;
        const what = state === 'corrupt' ? 'is corrupt' : 'is not in the store';
        check.add(counts, {
          kind: 'corrupt-model-version',
          severity: 'corrupt',
          path: check.uriOf(key),
          message: `${name}:${version} was copied from sha256:${hex}, which ${what}: machines without a copy cannot serve it; re-run the pipeline that deployed it`,
        });
        break;
      }
    }
    let aliases: Record<string, number>;
    try {
      aliases = (await registry.aliases(name)).aliases;
    } catch (error) {
      check.add(counts, { kind: 'corrupt-model-aliases', severity: 'corrupt', path: check.uriOf(aliasesKey), message: `${(error as Error).message}; rewrite it with \`kiln models promote ${name} VERSION\`` });
      continue;
    }
    for (const [alias, version] of Object.entries(aliases)) {
      if (versions.includes(version)) continue;
      check.add(counts, {
        kind: 'corrupt-model-aliases',
        severity: 'corrupt',
        path: check.uriOf(aliasesKey),
        message: `alias '${alias}' names version ${JSON.stringify(version)}, which does not exist (versions: ${versions.join(', ') || 'none'}); move it with \`kiln models promote ${name} VERSION\``,
      });
    }
  }
  if (counts.count > 0) check.tick('models', counts.count, counts.count, counts.bytes);
}

/** Every line of every `metrics/NAME.jsonl` must be a metrics record. */
export async function checkSharedMetrics(check: SharedCheck, counts: VerifyCounts): Promise<void> {
  for await (const object of check.objects.list('metrics/')) {
    if (!object.key.endsWith('.jsonl')) continue;
    const found = await check.objects.getBytes(object.key);
    if (!found) continue;
    counts.count++;
    counts.bytes += found.bytes.length;
    try {
      parseHistory(found.bytes.toString('utf8'), check.uriOf(object.key));
    } catch (error) {
      const hint = (error as { hint?: string }).hint;
      check.add(counts, { kind: 'corrupt-metrics-history', severity: 'corrupt', path: check.uriOf(object.key), message: `${(error as Error).message}${hint ? ` (${hint})` : ''}` });
    }
  }
  if (counts.count > 0) check.tick('metrics histories', counts.count, counts.count, counts.bytes);
}
