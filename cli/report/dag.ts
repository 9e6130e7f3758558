// The pipeline as a diagram: steps in layers by dependency depth, top to bottom, each box coloured by status.
// Edges between neighbouring layers are curves; an edge that skips layers runs in a lane beside the boxes, so it
// never crosses one. Plain SVG: it is a diagram, not a chart.
import { esc } from './escape';

export interface DagNode {
  id: string;
  type: string;
  status: string;
  dependsOn: string[];
  cached: boolean;
  attempts: number;
  duration?: string;
}

export interface PlacedNode extends DagNode {
  layer: number;
  x: number;
  y: number;
}

export interface DagLayout {
  nodes: PlacedNode[];
  edges: Array<{ from: string; to: string; d: string }>;
  width: number;
  height: number;
}

const W = 232; // box width
const H = 64; // box height
const HGAP = 32;
const VGAP = 56;
const MARGIN = 16;
const LANE = 16; // spacing between lanes of layer-skipping edges

export const STATUS_COLORS: Record<string, { stroke: string; fill: string; text: string }> = {
  succeeded: { stroke: '#2f9e44', fill: '#ebfbee', text: '#2b8a3e' },
  failed: { stroke: '#e03131', fill: '#fff5f5', text: '#c92a2a' },
  running: { stroke: '#1c7ed6', fill: '#e7f5ff', text: '#1864ab' },
  retrying: { stroke: '#f08c00', fill: '#fff9db', text: '#e67700' },
  'timed-out': { stroke: '#e8590c', fill: '#fff4e6', text: '#d9480f' },
  cancelled: { stroke: '#868e96', fill: '#f1f3f5', text: '#495057' },
  scheduled: { stroke: '#868e96', fill: '#f8f9fa', text: '#495057' },
  pending: { stroke: '#ced4da', fill: '#ffffff', text: '#868e96' },
};

const colorsOf = (status: string) => STATUS_COLORS[status] ?? STATUS_COLORS.pending!;

/** Depth = longest chain of dependencies above a step. Unknown dependencies are ignored. */
function layers(nodes: DagNode[]): Map<string, number> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const depth = new Map<string, number>();
  const visit = (id: string, seen: Set<string>): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0; // a cycle cannot come from a compiled plan; do not loop on one
    seen.add(id);
    const deps = (byId.get(id)?.dependsOn ?? []).filter((d) => byId.has(d));
    const d = deps.length === 0 ? 0 : 1 + Math.max(...deps.map((dep) => visit(dep, seen)));
    depth.set(id, d);
    return d;
  };
  for (const n of nodes) visit(n.id, new Set());
  return depth;
}

export function layoutDag(nodes: DagNode[]): DagLayout {
  const depth = layers(nodes);
  const rows: DagNode[][] = [];
  for (const n of nodes) (rows[depth.get(n.id)!] ??= []).push(n);
  // One barycentre pass: a step sits under the average position of its parents (plan order breaks ties).
  const order = new Map<string, number>();
  rows.forEach((row, r) => {
    const key = (n: DagNode, i: number): number => {
      const parents = n.dependsOn.map((d) => order.get(d)).filter((x): x is number => x !== undefined);
      return r === 0 || parents.length === 0 ? i : parents.reduce((a, b) => a + b, 0) / parents.length + i * 1e-6;
    };
    const sorted = row.map((n, i) => ({ n, k: key(n, i) })).sort((a, b) => a.k - b.k);
    sorted.forEach(({ n }, i) => order.set(n.id, i - (sorted.length - 1) / 2));
    rows[r] = sorted.map(({ n }) => n);
  });

  const widest = Math.max(1, ...rows.map((row) => row.length));
  const contentWidth = widest * W + (widest - 1) * HGAP;
  const placed = new Map<string, PlacedNode>();
  rows.forEach((row, r) => {
    const rowWidth = row.length * W + (row.length - 1) * HGAP;
    row.forEach((n, i) => {
      placed.set(n.id, { ...n, layer: r, x: (contentWidth - rowWidth) / 2 + i * (W + HGAP), y: r * (H + VGAP) });
    });
  });

  const pairs: Pair[] = nodes.flatMap((n) => n.dependsOn.filter((d) => placed.has(d)).map((d) => ({ from: placed.get(d)!, to: placed.get(n.id)! })));
  const lanes = assignLanes(pairs, rows);
  const count = (side: Side) => Math.max(0, ...[...lanes.values()].filter((l) => l.side === side).map((l) => l.index + 1));
  const offsetX = MARGIN + count('left') * LANE;
  for (const n of placed.values()) n.x += offsetX;
  for (const n of placed.values()) n.y += MARGIN;
  const laneX = (lane: Lane): number => (lane.side === 'right' ? offsetX + contentWidth + (lane.index + 1) * LANE : offsetX - (lane.index + 1) * LANE);

  // Several edges at one box edge spread out along it, ordered by where their other ends are.
  const bottomTop = pairs.filter((p) => !lanes.get(p)?.hug);
  const port = (node: PlacedNode, end: 'out' | 'in', other: PlacedNode): number => {
    const peers = bottomTop
      .filter((p) => (end === 'out' ? p.from === node : p.to === node))
      .map((p) => (end === 'out' ? p.to : p.from))
      .sort((a, b) => a.x - b.x || a.layer - b.layer);
    const i = peers.indexOf(other);
    const spread = Math.min(24, (W - 40) / Math.max(1, peers.length - 1));
    return node.x + W / 2 + (i - (peers.length - 1) / 2) * spread;
  };
  const sidePort = (node: PlacedNode, pair: Pair): number => {
    const side = lanes.get(pair)!.side;
    const peers = [...lanes].filter(([p, l]) => l.hug && l.side === side && (p.from === node || p.to === node)).sort((a, b) => a[1].index - b[1].index);
    const i = peers.findIndex(([p]) => p === pair);
    return node.y + H / 2 + (i - (peers.length - 1) / 2) * 10;
  };

  const edges = pairs.map((pair) => {
    const { from, to } = pair;
    const lane = lanes.get(pair);
    if (lane?.hug) return { from: from.id, to: to.id, d: hugPath(pair, laneX(lane), lane.side, sidePort(from, pair), sidePort(to, pair)) };
    const x1 = port(from, 'out', to);
    const y1 = from.y + H;
    const x2 = port(to, 'in', from);
    const y2 = to.y - 2; // room for the arrowhead
    if (!lane) {
      const mid = (y1 + y2) / 2;
      return { from: from.id, to: to.id, d: `M${x1},${y1} C${x1},${mid} ${x2},${mid} ${x2},${y2}` };
    }
    const lx = laneX(lane);
    const a = y1 + VGAP * 0.9;
    const b = y2 - VGAP * 0.9;
    const d = `M${x1},${y1} C${x1},${y1 + VGAP * 0.55} ${lx},${a - VGAP * 0.45} ${lx},${a} L${lx},${b} C${lx},${b + VGAP * 0.45} ${x2},${y2 - VGAP * 0.55} ${x2},${y2}`;
    return { from: from.id, to: to.id, d };
  });

  const width = offsetX + contentWidth + count('right') * LANE + MARGIN;
  const height = rows.length * (H + VGAP) - VGAP + 2 * MARGIN;
  return { nodes: nodes.map((n) => placed.get(n.id)!), edges, width, height };
}

type Side = 'right' | 'left';
type Pair = { from: PlacedNode; to: PlacedNode };
/** hug: the edge leaves and enters its boxes through their sides (both are outermost in their layers). */
type Lane = { side: Side; index: number; hug: boolean };

/** Lanes for layer-skipping edges: edges whose layer spans overlap get different lanes, on the freer side. */
function assignLanes(pairs: Pair[], rows: DagNode[][]): Map<Pair, Lane> {
  const ends: Record<Side, number[]> = { right: [], left: [] };
  const lanes = new Map<Pair, Lane>();
  const outermost = (n: PlacedNode, side: Side): boolean => {
    const row = rows[n.layer]!;
    return (side === 'right' ? row[row.length - 1] : row[0])?.id === n.id;
  };
  const skipping = pairs.filter((p) => p.to.layer - p.from.layer > 1).sort((a, b) => a.from.layer - b.from.layer || a.to.layer - b.to.layer);
  for (const pair of skipping) {
    const free = (side: Side): number => {
      const i = ends[side].findIndex((end) => end < pair.from.layer);
      return i < 0 ? ends[side].length : i;
    };
    const hugs = (['right', 'left'] as const).filter((side) => outermost(pair.from, side) && outermost(pair.to, side));
    const candidates: readonly Side[] = hugs.length > 0 ? hugs : ['right', 'left'];
    const side = candidates.reduce((best, s) => (free(s) < free(best) ? s : best));
    const index = free(side);
    ends[side][index] = pair.to.layer;
    lanes.set(pair, { side, index, hug: hugs.includes(side) });
  }
  return lanes;
}

/** Out of the parent's side, along the lane, into the child's side, with rounded corners. */
function hugPath(pair: Pair, lx: number, side: Side, sy: number, ey: number): string {
  const r = 8;
  const dir = side === 'right' ? 1 : -1;
  const sx = side === 'right' ? pair.from.x + W : pair.from.x;
  const ex = side === 'right' ? pair.to.x + W + 2 : pair.to.x - 2;
  return `M${sx},${sy} H${lx - dir * r} Q${lx},${sy} ${lx},${sy + r} V${ey - r} Q${lx},${ey} ${lx - dir * r},${ey} H${ex}`;
}

const truncate = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function nodeSvg(n: PlacedNode): string {
  const c = colorsOf(n.status);
  const facts = [n.status, n.duration, n.attempts > 1 ? `${n.attempts} attempts` : undefined].filter(Boolean).join(' · ');
  const tooltip = [`${n.id} (${n.type})`, `status: ${n.status}`, n.duration && `duration: ${n.duration}`, `attempts: ${n.attempts}`, n.cached && 'reused from the step cache']
    .filter(Boolean)
    .join('\n');
  const badge = n.cached
    ? `<rect x="${W - 62}" y="8" width="52" height="18" rx="9" fill="${c.stroke}"/><text x="${W - 36}" y="21" text-anchor="middle" class="dag-badge">cached</text>`
    : '';
  return (
    `<g class="dag-node" data-step="${esc(n.id)}" data-status="${esc(n.status)}" data-cached="${n.cached}" data-attempts="${n.attempts}" transform="translate(${n.x},${n.y})">` +
    `<title>${esc(tooltip)}</title>` +
    `<rect width="${W}" height="${H}" rx="8" fill="${c.fill}" stroke="${c.stroke}" stroke-width="${n.cached ? 1.5 : 2}"${n.cached ? ' stroke-dasharray="6 3"' : ''}/>` +
    `<rect x="0" y="0" width="6" height="${H}" rx="3" fill="${c.stroke}"/>` +
    `<text x="16" y="22" class="dag-id">${esc(truncate(n.id, n.cached ? 18 : 24))}</text>` +
    `<text x="16" y="39" class="dag-type">${esc(truncate(n.type, 30))}</text>` +
    `<text x="16" y="55" class="dag-facts" fill="${c.text}">${esc(facts)}</text>` +
    badge +
    `</g>`
  );
}

/** The DAG as an inline SVG element (styled by the page's CSS classes dag-*), with its natural size. */
export function dagSvg(nodes: DagNode[]): { svg: string; width: number; height: number } {
  const layout = layoutDag(nodes);
  const edges = layout.edges
    .map((e) => `<path class="dag-edge" data-from="${esc(e.from)}" data-to="${esc(e.to)}" d="${e.d}" marker-end="url(#dag-arrow)"/>`)
    .join('');
  const svg =
    `<svg class="dag" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="pipeline steps and their dependencies" ` +
    `width="${layout.width}" height="${layout.height}" viewBox="0 0 ${layout.width} ${layout.height}">` +
    `<defs><marker id="dag-arrow" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">` +
    `<path d="M0,0 L10,5 L0,10 z" fill="#868e96"/></marker></defs>` +
    `<g class="dag-edges">${edges}</g><g class="dag-nodes">${layout.nodes.map(nodeSvg).join('')}</g></svg>`;
  return { svg, width: layout.width, height: layout.height };
}
