// `kiln validate` and `kiln plan` check that the local files a step reads exist where its activity will
// look for them (relative to the pipeline file's directory), so a typo fails at once, not at that step.
// Off for `kiln run`: there the step reports it, and a file may still be written before the step starts.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AnalyzedStep } from './analyze';
import type { StepType } from './catalog';
import type { Diagnostic } from './errors';
import type { LoadedYaml } from './load';
import type { Path } from './paths';
import type { Json } from '../contract/json';

const keysByType = new WeakMap<StepType, Set<string>>();

/** Property names marked `"x-kiln-path": true` anywhere in the type's schema (as the cache key reads them). */
function pathKeys(type: StepType): Set<string> {
  let keys = keysByType.get(type);
  if (keys) return keys;
  const found = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const properties = (node as { properties?: Record<string, unknown> }).properties;
    for (const [name, child] of Object.entries(properties ?? {})) {
      if (child && typeof child === 'object' && (child as Record<string, unknown>)['x-kiln-path'] === true) found.add(name);
    }
    Object.values(node).forEach(walk);
  };
  walk(type.schema);
  keys = found;
  keysByType.set(type, keys);
  return keys;
}

function isFile(file: string): boolean {
  return statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
}

/** A diagnostic for each path input of `steps` that names no file, resolved against `dir`. */
export function missingLocalFiles(yaml: LoadedYaml, steps: readonly AnalyzedStep[], dir: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const step of steps) {
    const keys = pathKeys(step.type);
    if (keys.size === 0) continue;
    const walk = (v: Json, path: Path, key?: string): void => {
      if (typeof v === 'string') {
        if (key === undefined || !keys.has(key) || isFile(resolve(dir, v))) return;
        out.push(yaml.diagnostic(['steps', step.id, 'with', ...path], `no such file: ${v}`,
          `looked for ${resolve(dir, v)}; relative paths are relative to the pipeline file's directory`));
      } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
      else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k], k);
    };
    walk(step.inputs, []);
  }
  return out;
}
