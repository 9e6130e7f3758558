// Paths into the pipeline document: segments for lookups, dotted text for messages.

export type Path = ReadonlyArray<string | number>;

const PLAIN_KEY = /^[A-Za-z0-9_-]+$/;

/** `steps.corpus.with.sources[0].dataset`; keys that are not plain words are quoted: `with["a.b"]`. */
export function formatPath(path: Path): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (PLAIN_KEY.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** Turns an ajv instancePath (JSON pointer) into segments; indexes into arrays become numbers. */
export function pointerToPath(pointer: string, data: unknown): (string | number)[] {
  if (pointer === '') return [];
  const out: (string | number)[] = [];
  let cur: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) {
      out.push(Number(key));
      cur = cur[Number(key)];
    } else {
      out.push(key);
      cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[key] : undefined;
    }
  }
  return out;
}

/** True when `path` is `prefix` or lies under it. */
export function isUnder(path: Path, prefix: Path): boolean {
  return prefix.length <= path.length && prefix.every((seg, i) => path[i] === seg);
}

export function pathKey(path: Path): string {
  return JSON.stringify(path);
}
