// `kiln validate` and `kiln plan` check that the local files a step reads exist where its activity will
// look for them (relative to the pipeline file's directory), so a typo fails at once, not at that step.
// Off for `kiln run`: there the step reports it, and a file may still be written before the step starts.
import { statSync } from 'node:fs';
import type { AnalyzedStep } from './analyze';
import type { StepType } from './catalog';
import type { Diagnostic } from './errors';
import type { LoadedYaml } from './load';
import type { Path } from './paths';
import type { Json } from '../contract/json';
import { resolveInputPath } from '../system/input-path';

/** What a path input names: `"x-kiln-path": true` a file, `"x-kiln-path": "directory"` a directory. */
type PathKind = 'file' | 'directory';

const keysByType = new WeakMap<StepType, Map<string, PathKind>>();

/** Property names marked `x-kiln-path` anywhere in the type's schema (as the cache key reads them), with their kind. */
function pathKeys(type: StepType): Map<string, PathKind> {
  let keys = keysByType.get(type);
  if (keys) return keys;
  const found = new Map<string, PathKind>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const properties = (node as { properties?: Record<string, unknown> }).properties;
    for (const [name, child] of Object.entries(properties ?? {})) {
      const mark = child && typeof child === 'object' ? (child as Record<string, unknown>)['x-kiln-path'] : undefined;
      if (mark === true) found.set(name, 'file');
      else if (mark === 'directory') found.set(name, 'directory');
    }
    Object.values(node).forEach(walk);
  };
  walk(type.schema);
  keys = found;
  keysByType.set(type, keys);
  return keys;
}

function exists(file: string, kind: PathKind): boolean {
  const stat = statSync(file, { throwIfNoEntry: false });
  return (kind === 'file' ? stat?.isFile() : stat?.isDirectory()) ?? false;
}

/** A diagnostic for each path input of `steps` that names no file, resolved against `dir`. */
export function missingLocalFiles(yaml: LoadedYaml, steps: readonly AnalyzedStep[], dir: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const step of steps) {
    const keys = pathKeys(step.type);
    if (keys.size === 0) continue;
    const walk = (v: Json, path: Path, key?: string): void => {
      if (typeof v === 'string') {
        const kind = key === undefined ? undefined : keys.get(key);
        if (kind === undefined || exists(resolveInputPath(dir, v), kind)) return;
        out.push(yaml.diagnostic(['steps', step.id, 'with', ...path], `no such ${kind}: ${v}`,
          `looked for ${resolveInputPath(dir, v)}; relative paths are relative to the pipeline file's directory, ~/ to your home`));
      } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
      else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k], k);
    };
    walk(step.inputs, []);
  }
  return out;
}
