// The step dependency graph: cycle detection (for error messages) and topological order (for the Plan).
import type { Path } from './paths';

/** `from` waits for `to`; `path` is where the dependency is written (a reference or a `needs` entry). */
export interface Edge {
  from: string;
  to: string;
  path: Path;
}

export interface Cycle {
  /** e.g. [a, b, c, a]: a waits for b, b for c, c for a. */
  steps: string[];
  /** The first edge of the cycle, where it is reported. */
  edge: Edge;
}

/** One cycle per strongly connected component, starting at its step that comes first in the file. */
export function findCycles(ids: readonly string[], edges: readonly Edge[]): Cycle[] {
  const order = new Map(ids.map((id, i) => [id, i]));
  const out = new Map<string, Edge[]>(ids.map((id) => [id, []]));
  for (const e of edges) if (e.from !== e.to) out.get(e.from)?.push(e);
  for (const list of out.values()) list.sort((a, b) => order.get(a.to)! - order.get(b.to)!);

  const cycles: Cycle[] = [];
  for (const scc of stronglyConnected(ids, out)) {
    if (scc.length < 2) continue;
    const members = new Set(scc);
    const start = scc.reduce((a, b) => (order.get(a)! < order.get(b)! ? a : b));
    // Shortest way back to `start` inside the component (BFS), following edges in file order.
    const via = new Map<string, Edge>();
    const queue = [start];
    let closing: Edge | undefined;
    while (queue.length > 0 && !closing) {
      const node = queue.shift()!;
      for (const e of out.get(node)!) {
        if (!members.has(e.to)) continue;
        if (e.to === start) {
          closing = e;
          break;
        }
        if (!via.has(e.to)) {
          via.set(e.to, e);
          queue.push(e.to);
        }
      }
    }
    if (!closing) continue;
    const path: Edge[] = [closing];
    for (let n = closing.from; n !== start; n = via.get(n)!.from) path.unshift(via.get(n)!);
    cycles.push({ steps: [start, ...path.map((e) => e.to)], edge: path[0]! });
  }
  return cycles.sort((a, b) => order.get(a.steps[0]!)! - order.get(b.steps[0]!)!);
}

/** Tarjan's algorithm; graphs are a few dozen steps, so recursion is fine. */
function stronglyConnected(ids: readonly string[], out: Map<string, Edge[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const result: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const { to } of out.get(v) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(v, Math.min(low.get(v)!, low.get(to)!));
      } else if (onStack.has(to)) low.set(v, Math.min(low.get(v)!, index.get(to)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      result.push(scc);
    }
  };
  for (const id of ids) if (!index.has(id)) visit(id);
  return result;
}

/** Steps in dependency order; among steps that are ready at once, the one earlier in the file goes first. */
export function topologicalOrder(ids: readonly string[], dependsOn: Map<string, readonly string[]>): string[] {
  const done = new Set<string>();
  const result: string[] = [];
  while (result.length < ids.length) {
    const next = ids.find((id) => !done.has(id) && (dependsOn.get(id) ?? []).every((d) => done.has(d)));
    if (next === undefined) throw new Error('dependency cycle: topologicalOrder needs an acyclic graph');
    done.add(next);
    result.push(next);
  }
  return result;
}
