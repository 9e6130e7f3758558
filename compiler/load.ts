// YAML -> plain JSON, remembering where every key and value came from so that any
// diagnostic can point at FILE:LINE:COL. Duplicate keys, complex keys and non-JSON values are errors.
import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { Alias, Node as YamlNode } from 'yaml';
import type { Diagnostic } from './errors';
import { formatPath, pathKey, type Path } from './paths';
import type { Json } from '../contract/json';
import { MAX_DEPTH, aliasTargets, parseYaml } from './yaml-parse';

export interface Position {
  line: number;
  col: number;
}

export interface LoadedYaml {
  file: string;
  /** The document as JSON; undefined when the YAML could not be parsed. */
  value: Json | undefined;
  /** Syntax errors, duplicate keys, values JSON cannot hold. */
  diagnostics: Diagnostic[];
  /** Position of the value at `path` (or of its key); the nearest existing ancestor when it is missing. */
  locate(path: Path, at?: 'value' | 'key'): Position;
  /** A Diagnostic positioned at `path`. */
  diagnostic(path: Path, message: string, hint?: string, at?: 'value' | 'key'): Diagnostic;
}

interface Spot {
  key?: Position;
  value?: Position;
}

// Aliases can expand exponentially ("billion laughs"): the values they copy are counted, not the aliases.
// Real pipelines copy a few hundred at most; 100,000 convert in well under a second.
export const MAX_ALIAS_VALUES = 100_000;

export function loadYaml(text: string, file: string): LoadedYaml {
  const parsed = parseYaml(text);
  const { lineCounter } = parsed;
  const spots = new Map<string, Spot>();
  const diagnostics: Diagnostic[] = [];
  const pos = (offset: number): Position => lineCounter.linePos(offset);

  const locate = (path: Path, at: 'value' | 'key' = 'value'): Position => {
    for (let n = path.length; n >= 0; n--) {
      const spot = spots.get(pathKey(path.slice(0, n)));
      if (!spot) continue;
      const exact = n === path.length;
      // A missing child is reported at its parent's key: that is where the user would add it.
      const p = exact && at === 'value' ? (spot.value ?? spot.key) : (spot.key ?? spot.value);
      if (p) return p;
    }
    return { line: 1, col: 1 };
  };
  const diagnostic = (path: Path, message: string, hint?: string, at: 'value' | 'key' = 'value'): Diagnostic => {
    const p = locate(path, at);
    return { file, line: p.line, col: p.col, path: formatPath(path), message, ...(hint ? { hint } : {}) };
  };

  if ('limit' in parsed) {
    const p = parsed.offset === undefined ? { line: 1, col: 1 } : pos(parsed.offset);
    diagnostics.push({ file, line: p.line, col: p.col, path: '', message: parsed.limit, hint: parsed.hint });
    return { file, value: undefined, diagnostics, locate, diagnostic };
  }
  const { doc } = parsed;
  for (const e of doc.errors) {
    const p = pos(e.pos[0]);
    diagnostics.push({ file, line: p.line, col: p.col, path: '', message: `YAML syntax error: ${e.message}` });
  }
  if (diagnostics.length > 0) return { file, value: undefined, diagnostics, locate, diagnostic };

  const converter = new Converter(aliasTargets(doc), pos, spots, diagnostics, diagnostic);
  spots.set(pathKey([]), { value: doc.contents ? pos(doc.contents.range?.[0] ?? 0) : { line: 1, col: 1 } });
  const value = converter.convert(doc.contents, []);
  // Past the alias cap the document is not what was written: checking it further would only add noise and time.
  return { file, value: converter.exhausted ? undefined : value, diagnostics, locate, diagnostic };
}

class Converter {
  /** Values copied by aliases so far. */
  private copied = 0;
  get exhausted(): boolean {
    return this.copied > MAX_ALIAS_VALUES;
  }

  /** Aliases being expanded right now. */
  private aliasDepth = 0;
  /** Anchored nodes being converted: an alias to one of them, inside it, would never end. */
  private readonly open = new Set<YamlNode>();
  private deepReported = false;

  constructor(
    private readonly targets: Map<YamlNode, YamlNode | undefined>,
    private readonly pos: (offset: number) => Position,
    private readonly spots: Map<string, Spot>,
    private readonly diagnostics: Diagnostic[],
    private readonly diagnostic: LoadedYaml['diagnostic'],
  ) {}

  private mark(path: Path, kind: keyof Spot, node: YamlNode | null | undefined): void {
    const offset = node?.range?.[0];
    if (offset === undefined) return;
    const key = pathKey(path);
    const spot = this.spots.get(key) ?? {};
    spot[kind] ??= this.pos(offset);
    this.spots.set(key, spot);
  }

  convert(node: unknown, path: Path): Json {
    if (node === null || node === undefined) return null;
    if (this.aliasDepth > 0 && ++this.copied > MAX_ALIAS_VALUES) {
      // Reported once, at the alias being expanded; everything after it is skipped.
      if (this.copied === MAX_ALIAS_VALUES + 1) {
        this.diagnostics.push(this.diagnostic(path, `aliases expand to more than ${MAX_ALIAS_VALUES} values`,
          'each *alias copies the whole value of its &anchor; a pipeline needs only a few: write the values out instead'));
      }
      return null;
    }
    // The source was checked for depth; aliases can still stack values deeper.
    if (path.length > MAX_DEPTH) {
      if (!this.deepReported) this.diagnostics.push(this.diagnostic(path, `nested more than ${MAX_DEPTH} levels deep (through aliases)`));
      this.deepReported = true;
      return null;
    }
    if (isAlias(node)) return this.expand(node, path);
    if (!(node as YamlNode).anchor) return this.convertNode(node, path);
    this.open.add(node as YamlNode);
    try {
      return this.convertNode(node, path);
    } finally {
      this.open.delete(node as YamlNode);
    }
  }

  private convertNode(node: unknown, path: Path): Json {
    if (isScalar(node)) {
      this.mark(path, 'value', node);
      const v = node.value;
      if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
      if (typeof v === 'number' && Number.isFinite(v)) return v;
      const what = typeof v === 'number' ? String(v) : node.tag ? `a ${node.tag.replace('tag:yaml.org,2002:', '!!')} value` : `a ${typeof v}`;
      this.diagnostics.push(this.diagnostic(path, `${what} cannot be used here: pipelines hold plain JSON values`));
      return null;
    }
    if (isSeq(node)) {
      this.mark(path, 'value', node);
      return node.items.map((item, i) => this.convert(item, [...path, i]));
    }
    if (isMap(node)) {
      this.mark(path, 'value', node);
      return this.convertMap(node.items, path);
    }
    this.diagnostics.push(this.diagnostic(path, 'unsupported YAML node'));
    return null;
  }

  private expand(alias: Alias, path: Path): Json {
    const target = this.targets.get(alias);
    const problem = !target
      ? { message: `unknown alias *${alias.source}`, hint: 'an alias can only refer to an &anchor set before it' }
      : this.open.has(target)
        ? { message: `alias *${alias.source} is inside the value it refers to, so it would never end`, hint: `move *${alias.source} out of the value anchored as &${alias.source}` }
        : undefined;
    if (problem) {
      // At the alias itself: the path's position may be the anchored value's.
      const at = alias.range ? this.pos(alias.range[0]) : {};
      this.diagnostics.push({ ...this.diagnostic(path, problem.message, problem.hint), ...at });
      return null;
    }
    this.aliasDepth++;
    try {
      return this.convert(target, path);
    } finally {
      this.aliasDepth--;
    }
  }

  private convertMap(pairs: ReadonlyArray<{ key: unknown; value: unknown }>, path: Path): Json {
    const out: { [key: string]: Json } = {};
    const firstLine = new Map<string, number>();
    for (const pair of pairs) {
      const keyNode = pair.key;
      if (!isScalar(keyNode) || (keyNode.value !== null && typeof keyNode.value === 'object')) {
        const p = this.pos((keyNode as YamlNode | null)?.range?.[0] ?? 0);
        this.diagnostics.push({ ...this.diagnostic(path, 'keys must be plain strings'), ...p });
        continue;
      }
      const name = String(keyNode.value);
      const childPath = [...path, name];
      const keyPos = this.pos(keyNode.range?.[0] ?? 0);
      const first = firstLine.get(name);
      if (first !== undefined) {
        const what = path.length === 1 && path[0] === 'steps' ? 'step id' : 'key';
        const d = this.diagnostic(childPath, `duplicate ${what} "${name}" (first defined at line ${first})`);
        this.diagnostics.push({ ...d, ...keyPos, hint: `${what === 'step id' ? 'step ids' : 'keys'} must be unique: rename or remove one` });
        continue;
      }
      firstLine.set(name, keyPos.line);
      this.mark(childPath, 'key', keyNode);
      // `key:` with nothing after it: the value is null, found at the key.
      const value = this.convert(pair.value, childPath);
      // defineProperty: a key named __proto__ must stay a key, not replace the prototype.
      Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
}
