// Cache entries made from a corrupt artifact: their outputs hash fine, but may have been computed from damaged
// bytes (before step inputs were verified). Following the lineage, the entries made from *their* outputs too.
import type { Json } from '../contract/json';
import type { CacheEntryFile } from './store-walk';
import { artifactHex, artifactRefsIn } from './references';

export interface Derived {
  path: string;
  /** The step, in words: `step "tok" of wiki`. */
  step: string;
  /** `sha256:<hex>` of the input that is corrupt or derived from a corrupt artifact. */
  input: string;
  /** True when that input is itself corrupt, false when it was made from a corrupt one. */
  direct: boolean;
}

/** Entries whose key names a tainted artifact, to a fixed point; `corrupt` holds bare hexes. */
export function derivedFromCorrupt(entries: CacheEntryFile[], corrupt: ReadonlySet<string>): Derived[] {
  const tainted = new Set(corrupt);
  const found = new Map<string, Derived>();
  for (let changed = true; changed; ) {
    changed = false;
    for (const file of entries) {
      if (!file.entry || found.has(file.path)) continue;
      const input = inputDigests(file.entry.parts?.inputs).find((hex) => tainted.has(hex));
      if (input === undefined) continue;
      const { producer } = file.entry;
      const step = `step "${producer?.stepId ?? '?'}" of ${producer?.pipeline ?? '?'}`;
      found.set(file.path, { path: file.path, step, input: `sha256:${input}`, direct: corrupt.has(input) });
      for (const ref of artifactRefsIn(file.entry.outputs)) tainted.add(artifactHex(ref));
      changed = true;
    }
  }
  return [...found.values()];
}

/** The `{artifact: "sha256:<hex>"}` digests in a key's canonical inputs (cache-key.ts), as bare hexes. */
function inputDigests(value: Json | undefined, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((item) => inputDigests(item, found));
  else if (value && typeof value === 'object') {
    const artifact = value.artifact;
    if (typeof artifact === 'string' && artifact.startsWith('sha256:')) found.push(artifact.slice('sha256:'.length));
    Object.values(value).forEach((child) => inputDigests(child, found));
  }
  return found;
}
