import { isArtifactRef } from '../store/types';
import type { RunState, StepState } from './run-state';

const ICON: Record<StepState['status'], string> = {
  pending: '·',
  scheduled: '○',
  running: '▶',
  retrying: '↻',
  succeeded: '✓',
  failed: '✗',
  cancelled: '⊘',
  'timed-out': '⧗',
};

export function duration(startedAt?: string, endedAt?: string): string {
  if (!startedAt) return '';
  const ms = (endedAt ? Date.parse(endedAt) : Date.now()) - Date.parse(startedAt);
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m${Math.round((ms % 60_000) / 1000)}s`;
}

function artifactSummary(outputs: StepState['outputs']): string {
  if (!outputs) return '';
  return Object.entries(outputs)
    .map(([name, value]) => {
      if (isArtifactRef(value)) {
        return `${name}=${value.digest.slice(0, 19)}`;
      }
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        // Small JSON outputs such as stats: their scalar fields, briefly.
        const fields = Object.entries(value).filter(([, v]) => v === null || typeof v !== 'object');
        return `${name}: ${fields.map(([k, v]) => `${k}=${v}`).join(' ')}`.slice(0, 80);
      }
      return `${name}=${JSON.stringify(value).slice(0, 60)}`;
    })
    .join(' ');
}

/**
 * A failure as step lines show it: its first line, then kiln's `hint:` lines when `hints`. Never the rest: a
 * failure's message can carry the stack of the error beneath (`    at …` frames), which is no user's business.
 */
export function failureText(message: string, hints = true): string {
  const [first = '', ...rest] = message.split('\n');
  return [first, ...(hints ? rest.filter((line) => line.startsWith('hint: ')) : [])].join('\n');
}

/** One line per step: state, attempt, elapsed, cached, and what it produced or why it failed. */
export function stepLine(step: StepState, idWidth = 16): string {
  const parts = [
    `${ICON[step.status]} ${step.id.padEnd(idWidth)}`,
    step.type.padEnd(28),
    step.status.padEnd(9),
  ];
  if (step.attempts > 1) parts.push(`attempt ${step.attempts}`);
  if (step.startedAt) parts.push(duration(step.startedAt, step.endedAt));
  if (step.cached) parts.push('(cached)');
  if (step.status === 'succeeded') parts.push(artifactSummary(step.outputs));
  if (step.error) parts.push(`— ${failureText(step.error)}`);
  else if (step.lastFailure && step.status !== 'succeeded') parts.push(`— last failure: ${failureText(step.lastFailure)}`);
  // Multi-line messages (a hint after the error) stay under their step.
  return parts.filter(Boolean).join('  ').replace(/\n/g, '\n      ');
}

export function runTable(run: RunState): string {
  const width = Math.max(8, ...run.steps.map((s) => s.id.length));
  const header = `${run.runId}  ${run.status}${run.startedAt ? `  ${duration(run.startedAt, run.endedAt)}` : ''}`;
  const lines = [header, ...run.steps.map((s) => '  ' + stepLine(s, width))];
  if (run.failure) lines.push(`  ${run.failure}`);
  return lines.join('\n');
}

/** A key that changes whenever a line worth printing again changes. */
export function stepKey(step: StepState): string {
  return `${step.status}|${step.attempts}|${step.lastFailure ?? ''}`;
}

export interface TrainingHeartbeat {
  step: number;
  total: number;
  loss: number | null;
  tokens_per_sec: number | null;
  checkpoint: { step: number } | null;
  /** The TF.js backend training runs on (tfjs-node, wasm, ...). */
  backend?: string;
}

/** The heartbeat of a step that reports training progress (step/total), if it is one. */
export function trainingOf(step: StepState): TrainingHeartbeat | undefined {
  const hb = step.heartbeat as Partial<TrainingHeartbeat> | undefined;
  const ok = !!hb && typeof hb === 'object' && typeof hb.step === 'number' && typeof hb.total === 'number' && hb.total > 0;
  return ok ? (hb as TrainingHeartbeat) : undefined;
}

/** `loss 6.120`, `1,850 tok/s`, `ckpt 100`, `ETA 2m10s`: what a training heartbeat says, as short phrases. */
export function trainingPhrases(step: StepState, hb: TrainingHeartbeat): string[] {
  const parts: string[] = [];
  if (hb.loss !== null) parts.push(`loss ${hb.loss.toFixed(3)}`);
  if (hb.tokens_per_sec) parts.push(`${Math.round(hb.tokens_per_sec).toLocaleString('en-US')} tok/s${hb.backend ? ` on ${hb.backend}` : ''}`);
  if (hb.checkpoint) parts.push(`ckpt ${hb.checkpoint.step}`);
  if (step.startedAt && hb.step > 0 && hb.step < hb.total) {
    const elapsed = Date.now() - Date.parse(step.startedAt);
    const eta = (elapsed / hb.step) * (hb.total - hb.step);
    parts.push(`ETA ${duration(new Date(0).toISOString(), new Date(eta).toISOString())}`);
  }
  return parts;
}

/** `pretrain  [#####.....] 120/300  loss 6.12  1,850 tok/s  ckpt 100  ETA 2m10s`, for plain-line output. */
export function trainingLine(step: StepState, idWidth = 16): string | undefined {
  const hb = trainingOf(step);
  if (!hb) return undefined;
  const width = 20;
  const filled = Math.min(width, Math.round((hb.step / hb.total) * width));
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  return [`  ${step.id.padEnd(idWidth)}`, bar, `${hb.step}/${hb.total}`, ...trainingPhrases(step, hb)].join('  ');
}
