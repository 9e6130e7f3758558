// bench/training.ts's arithmetic and text: step times to tokens/s, the table, and the issue's targets judged
// against the PyTorch anchors of the same config and thread count.
import { TOKENS_PER_STEP, type BertSize } from './_training-shape';

export const EAGER = 'PyTorch eager';
export const HF = 'HF BertForPreTraining';
/** Share of the CPU other processes may take during a measurement before it counts as disturbed. */
export const DISTURBED = 0.1;

export interface Row {
  config: BertSize;
  impl: string; // 'kiln wasm', 'kiln tfjs-node', EAGER, HF, …
  threads: number;
  steps: number;
  msPerStep: number; // median
  tokensPerSec: { median: number; min: number; max: number };
  peakRssMb: number;
  finalLoss: number;
  info: Record<string, unknown>;
  /** Share of the machine's CPU time that other processes took while this row was measured. */
  otherCpuShare: number;
  vsEager?: number; // median ratio to the EAGER row of the same config and threads
  vsHf?: number;
}

export interface Verdict {
  target: string;
  threads: number;
  /** Median ratios, and the ratio's range from the two rows' min–max (runs vary ±30%). */
  ratios: { what: string; median: number; low: number; high: number; needed: number; disturbed: boolean }[];
  met: boolean | null; // null: a row it needs was not measured
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Tokens/s from step times; the median is taken over step times so that it matches ms/step. */
export function summarize(stepMs: number[]): Pick<Row, 'steps' | 'msPerStep' | 'tokensPerSec'> {
  const rate = (ms: number) => (TOKENS_PER_STEP * 1000) / ms;
  const ms = median(stepMs);
  return { steps: stepMs.length, msPerStep: ms, tokensPerSec: { median: rate(ms), min: rate(Math.max(...stepMs)), max: rate(Math.min(...stepMs)) } };
}

function find(rows: Row[], config: BertSize, impl: string, threads: number): Row | undefined {
  return rows.find((r) => r.config === config && r.impl === impl && r.threads === threads);
}

/** Fills vsEager and vsHf from the anchor rows of the same config and thread count. */
export function addRatios(rows: Row[]): void {
  for (const r of rows) {
    const eager = find(rows, r.config, EAGER, r.threads);
    const hf = find(rows, r.config, HF, r.threads);
    if (eager) r.vsEager = r.tokensPerSec.median / eager.tokensPerSec.median;
    if (hf) r.vsHf = r.tokensPerSec.median / hf.tokensPerSec.median;
  }
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ratio = (x: number | undefined) => (x === undefined ? '—' : `${x.toFixed(2)}×`);

export function tableLines(rows: Row[]): string[] {
  const head = ['config', 'implementation', 'thr', 'tokens/s median (min–max)', 'ms/step', 'peak RSS MB', 'final loss', 'vs PyTorch eager', 'vs HF BertForPreTraining'];
  const body = rows.map((r) => [
    `BERT-${r.config}`,
    r.impl,
    String(r.threads),
    `${int(r.tokensPerSec.median)} (${int(r.tokensPerSec.min)}–${int(r.tokensPerSec.max)})`,
    int(r.msPerStep),
    int(r.peakRssMb),
    Number.isFinite(r.finalLoss) ? r.finalLoss.toFixed(3) : `${r.finalLoss} (not finite!)`,
    ratio(r.vsEager),
    ratio(r.vsHf),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
}

// kiln's native backend against one anchor: median ratio, and its range from the two rows' min–max.
function compare(rows: Row[], config: BertSize, anchor: string, threads: number, needed: number): Verdict['ratios'][number] | null {
  const kiln = find(rows, config, 'kiln tfjs-node', threads);
  const other = find(rows, config, anchor, threads);
  if (!kiln || !other) return null;
  const [k, o] = [kiln.tokensPerSec, other.tokensPerSec];
  const disturbed = kiln.otherCpuShare > DISTURBED || other.otherCpuShare > DISTURBED;
  return { what: `BERT-${config} vs ${anchor}`, median: k.median / o.median, low: k.min / o.max, high: k.max / o.min, needed, disturbed };
}

/** The issue's targets, judged at each thread count measured (like for like, never best against best). */
export function judgeTargets(rows: Row[], threadCounts: number[]): Verdict[] {
  const targets: { target: string; needs: [BertSize, string, number][] }[] = [
    { target: 'tfjs-node ≥ 1.0× PyTorch eager on BERT-mini', needs: [['mini', EAGER, 1]] },
    { target: 'tfjs-node ≥ 0.6× PyTorch eager on BERT-tiny', needs: [['tiny', EAGER, 0.6]] },
    {
      target: 'moonshot: tfjs-node ≥ 1.0× PyTorch eager on both configs and ahead of BertForPreTraining everywhere',
      needs: [['tiny', EAGER, 1], ['mini', EAGER, 1], ['tiny', HF, 1], ['mini', HF, 1]],
    },
  ];
  return targets.flatMap(({ target, needs }) =>
    threadCounts.map((threads) => {
      const found = needs.map(([config, anchor, needed]) => compare(rows, config, anchor, threads, needed));
      const ratios = found.filter((r) => r !== null);
      const met = ratios.length < needs.length ? null : ratios.every((r) => r.median >= r.needed);
      return { target, threads, ratios, met };
    }),
  );
}

export function verdictLines(verdicts: Verdict[]): string[] {
  const lines: string[] = [];
  for (const target of [...new Set(verdicts.map((v) => v.target))]) {
    lines.push(`target: ${target}`);
    for (const v of verdicts.filter((x) => x.target === target)) {
      const detail = v.ratios.map((r) => `${r.what} ${r.median.toFixed(2)}× (${r.low.toFixed(2)}–${r.high.toFixed(2)}), needs ${r.needed}×`).join('; ');
      // A bar inside a ratio's min–max range could fall either way on another run.
      const straddles = v.ratios.some((r) => r.low < r.needed && r.needed <= r.high);
      const caveats = [straddles && 'within the noise', v.ratios.some((r) => r.disturbed) && 'rows disturbed by other processes'].filter(Boolean);
      const verdict = v.met === null ? 'NOT EVALUATED (a row is missing)' : `${v.met ? 'MET' : 'NOT MET'}${caveats.length ? ` (${caveats.join('; ')})` : ''}`;
      lines.push(`  ${v.threads} thread${v.threads > 1 ? 's' : ''}: ${verdict}${detail ? ` — ${detail}` : ''}`);
    }
  }
  return lines;
}
