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

/** Tarjan's algorithm, with an explicit stack: a 6,000-step chain would overflow a recursive one. */
function stronglyConnected(ids: readonly string[], out: Map<string, Edge[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const result: string[][] = [];
  for (const root of ids) {
    if (index.has(root)) continue;
    // Each frame is a step and how many of its edges have been followed.
    const frames: Array<{ v: string; next: number }> = [];
    const enter = (v: string): void => {
      index.set(v, counter);
      low.set(v, counter++);
      stack.push(v);
      onStack.add(v);
      frames.push({ v, next: 0 });
    };
    enter(root);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      const { v } = frame;
      const edges = out.get(v) ?? [];
      if (frame.next < edges.length) {
        const to = edges[frame.next++]!.to;
        if (!index.has(to)) enter(to);
        else if (onStack.has(to)) low.set(v, Math.min(low.get(v)!, index.get(to)!));
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent) low.set(parent.v, Math.min(low.get(parent.v)!, low.get(v)!));
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
    }
  }
  return result;
}

/** Steps in dependency order; among steps that are ready at once, the one earlier in the file goes first. */
export function topologicalOrder(ids: readonly string[], dependsOn: Map<string, readonly string[]>): string[] {
  const order = new Map(ids.map((id, i) => [id, i]));
  const waiting = new Map(ids.map((id) => [id, new Set(dependsOn.get(id) ?? []).size]));
  const dependents = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const id of ids) for (const d of new Set(dependsOn.get(id) ?? [])) dependents.get(d)?.push(id);
  const ready = new MinHeap();
  for (const id of ids) if (waiting.get(id) === 0) ready.push(order.get(id)!);
  const result: string[] = [];
  while (ready.size > 0) {
    const id = ids[ready.pop()]!;
    result.push(id);
    for (const next of dependents.get(id)!) {
      const left = waiting.get(next)! - 1;
      waiting.set(next, left);
      if (left === 0) ready.push(order.get(next)!);
    }
  }
  if (result.length < ids.length) throw new Error('dependency cycle: topologicalOrder needs an acyclic graph');
  return result;
}

/** Positions in the file, smallest first. */
class MinHeap {
  private readonly items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  push(x: number): void {
    const a = this.items;
    a.push(x);
    for (let i = a.length - 1; i > 0; ) {
      const up = (i - 1) >> 1;
      if (a[up]! <= a[i]!) break;
      [a[up], a[i]] = [a[i]!, a[up]!];
      i = up;
    }
  }

  pop(): number {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length === 0) return top;
    a[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && a[l]! < a[m]!) m = l;
      if (r < a.length && a[r]! < a[m]!) m = r;
      if (m === i) break;
      [a[m], a[i]] = [a[i]!, a[m]!];
      i = m;
    }
    return top;
  }
}
