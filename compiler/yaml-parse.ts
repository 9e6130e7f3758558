// Text -> one YAML document, with limits checked before the `yaml` package composes it: its composer
// recurses once per nesting level, so a few thousand levels would overflow the stack.
import { Composer, LineCounter, Parser, YAMLParseError, isAlias, isMap, isPair, isSeq } from 'yaml';
import type { CST, Document, Node as YamlNode } from 'yaml';

/** Pipelines are a few KB; a 6,000-step one is 600 KB. Larger input is refused before parsing. */
export const MAX_SOURCE_CHARS = 1_000_000;
/** Collections inside collections; real pipelines nest about 6 deep. */
export const MAX_DEPTH = 100;

export type ParsedYaml =
  | { doc: Document; lineCounter: LineCounter }
  | { limit: string; hint: string; /** undefined: the whole file. */ offset?: number; lineCounter: LineCounter };

export function parseYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  if (text.length > MAX_SOURCE_CHARS) {
    return { limit: `the file is too large (${text.length} characters; at most ${MAX_SOURCE_CHARS})`, hint: 'a pipeline is a few KB of YAML: move data into a corpus or dataset step', lineCounter };
  }
  // The CST parser keeps an explicit stack, except when it closes many block levels at once: that recurses,
  // and only thousands of levels overflow it. The depth check runs on its tokens.
  let tokens: CST.Token[];
  try {
    tokens = [...new Parser(lineCounter.addNewLine).parse(text)];
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    return { limit: `nested more than ${MAX_DEPTH} levels deep`, hint: 'a pipeline needs a few levels of mappings and lists; flatten this value', offset: deepestLine(text), lineCounter };
  }
  const deep = tooDeep(tokens);
  if (deep !== undefined) {
    return { limit: `nested more than ${MAX_DEPTH} levels deep`, hint: 'a pipeline needs a few levels of mappings and lists; flatten this value', offset: deep, lineCounter };
  }
  // As yaml's parseDocument does, less pretty errors (we format them) and duplicate keys (we report them).
  const composer = new Composer({ uniqueKeys: false });
  let doc: Document | undefined;
  for (const next of composer.compose(tokens, true, text.length)) {
    if (!doc) doc = next;
    else {
      doc.errors.push(new YAMLParseError([next.range[0], next.range[1]], 'MULTIPLE_DOCS', 'Source contains multiple documents; a pipeline is one document'));
      break;
    }
  }
  return { doc: doc!, lineCounter };
}

/** Offset of the first line that starts furthest right, counting `- `, `? ` and `: ` as indentation. */
function deepestLine(text: string): number {
  const leading = /^[ \t?:-]*/gm;
  let best = { width: -1, offset: 0 };
  for (let m = leading.exec(text); m; m = leading.exec(text)) {
    if (m[0].length > best.width) best = { width: m[0].length, offset: m.index + m[0].length };
    if (m[0].length === 0) leading.lastIndex++;
  }
  return best.offset;
}

/** Offset of the first collection nested deeper than MAX_DEPTH, if any; iterative. */
function tooDeep(tokens: CST.Token[]): number | undefined {
  const stack: Array<[CST.Token, number]> = tokens.map((t) => [t, 0]);
  while (stack.length > 0) {
    const [token, depth] = stack.pop()!;
    if (token.type === 'document') {
      if (token.value) stack.push([token.value, depth]);
      continue;
    }
    if (token.type !== 'block-map' && token.type !== 'block-seq' && token.type !== 'flow-collection') continue;
    if (depth >= MAX_DEPTH) return token.offset;
    for (const item of token.items as CST.CollectionItem[]) {
      if (item.key) stack.push([item.key, depth + 1]);
      if (item.value) stack.push([item.value, depth + 1]);
    }
  }
  return undefined;
}

/**
 * What each alias refers to: the last node with its anchor before it, in document order (an anchor
 * on a collection comes before the collection's contents). One pass; yaml's Alias.resolve walks the
 * whole document on every call, which made alias-heavy files quadratic.
 */
export function aliasTargets(doc: Document): Map<YamlNode, YamlNode | undefined> {
  const targets = new Map<YamlNode, YamlNode | undefined>();
  const anchors = new Map<string, YamlNode>();
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isPair(node)) {
      stack.push(node.value, node.key);
      continue;
    }
    if (isAlias(node)) {
      targets.set(node, anchors.get(node.source));
      continue;
    }
    if (!node || typeof node !== 'object') continue;
    const anchor = (node as { anchor?: string }).anchor;
    if (anchor) anchors.set(anchor, node as YamlNode);
    if (isMap(node) || isSeq(node)) for (let i = node.items.length - 1; i >= 0; i--) stack.push(node.items[i]);
  }
  return targets;
}
