// YAML -> plain JSON, remembering where every key and value came from so that any
// diagnostic can point at FILE:LINE:COL. Duplicate keys, complex keys and non-JSON values are errors.
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import type { Diagnostic } from './errors';
import { formatPath, pathKey, type Path } from './paths';
import type { Json } from './types';

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

// Aliases can expand exponentially ("billion laughs"); real pipelines use a handful.
const MAX_ALIAS_EXPANSIONS = 10_000;

export function loadYaml(text: string, file: string): LoadedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
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

  for (const e of doc.errors) {
    const p = pos(e.pos[0]);
    diagnostics.push({ file, line: p.line, col: p.col, path: '', message: `YAML syntax error: ${e.message}` });
  }
  if (diagnostics.length > 0) return { file, value: undefined, diagnostics, locate, diagnostic };

  const converter = new Converter(doc, pos, spots, diagnostics, diagnostic);
  spots.set(pathKey([]), { value: doc.contents ? pos(doc.contents.range?.[0] ?? 0) : { line: 1, col: 1 } });
  const value = converter.convert(doc.contents, []);
  return { file, value, diagnostics, locate, diagnostic };
}

class Converter {
  private expansions = 0;

  constructor(
    private readonly doc: Document,
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
    if (isAlias(node)) {
      if (++this.expansions > MAX_ALIAS_EXPANSIONS) {
        if (this.expansions === MAX_ALIAS_EXPANSIONS + 1) {
          this.diagnostics.push(this.diagnostic(path, `too many alias expansions (more than ${MAX_ALIAS_EXPANSIONS})`));
        }
        return null;
      }
      const target = node.resolve(this.doc);
      if (!target) {
        this.diagnostics.push(this.diagnostic(path, `unknown alias *${node.source}`));
        return null;
      }
      return this.convert(target, path);
    }
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
