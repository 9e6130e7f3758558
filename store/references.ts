// What points at artifacts: step outputs (any JSON, refs nested anywhere) and registered model versions.
import path from 'node:path';

import { ModelRegistry } from './registry';
import { isArtifactRef, type ArtifactRef } from './types';

const URI_PREFIX = 'kiln://sha256/';

/** The `<hex>` of `kiln://sha256/<hex>`: the artifact's name under `store/sha256`. */
export function artifactHex(ref: Pick<ArtifactRef, 'uri'>): string {
  return ref.uri.slice(URI_PREFIX.length);
}

/** Every artifact reference in a JSON value, however deeply nested (outputs, their meta, lists of refs). */
export function artifactRefsIn(value: unknown, found: ArtifactRef[] = []): ArtifactRef[] {
  if (Array.isArray(value)) {
    for (const item of value) artifactRefsIn(item, found);
  } else if (typeof value === 'object' && value !== null) {
    if (isArtifactRef(value)) found.push(value);
    for (const child of Object.values(value)) artifactRefsIn(child, found);
  }
  return found;
}

/**
 * The artifacts registered model versions were copied from (`source.uri` of each version record). gc treats them
 * as roots: a version's lineage should still lead to its artifact.
 */
export async function modelVersionRoots(modelsRoot: string): Promise<{ versions: number; hexes: Set<string> }> {
  const registry = new ModelRegistry(path.resolve(modelsRoot));
  const hexes = new Set<string>();
  let versions = 0;
  for (const name of await registry.names()) {
    for (const record of await registry.versions(name)) {
      versions++;
      if (typeof record.source?.uri === 'string' && record.source.uri.startsWith(URI_PREFIX)) hexes.add(artifactHex(record.source));
      if (typeof record.digest === 'string' && record.digest.startsWith('sha256:')) hexes.add(record.digest.slice('sha256:'.length));
    }
  }
  return { versions, hexes };
}
