import { ProgressBars } from './progress-bars';
import { duration, failureText, trainingOf, trainingPhrases } from './render';
import type { RunState, StepState } from './run-state';

/** `running · attempt 2 · 1.2s · loss 6.120 …`: what follows a step's bar, on one line. */
export function stepDetails(step: StepState): string {
  const parts: string[] = [step.status];
  if (step.attempts > 1) parts.push(`attempt ${step.attempts}`);
  if (step.startedAt) parts.push(duration(step.startedAt, step.endedAt));
  if (step.cached) parts.push('cached');
  const hb = step.status === 'running' ? trainingOf(step) : undefined;
  if (hb) parts.push(...trainingPhrases(step, hb));
  // A bar has one line: no hint, and never a stack.
  if (step.error) parts.push(failureText(step.error, false));
  else if (step.lastFailure && step.status !== 'succeeded') parts.push(`last failure: ${failureText(step.lastFailure, false)}`);
  return parts.join(' · ');
}

/**
 * The terminal view of a run: one redrawn line per step, with a progress bar that fills as training advances
 * (step/total from heartbeats) or at once when the step ends. Only for a TTY; pipes get plain lines.
 */
export class LiveView {
  private readonly bars = new ProgressBars(20);

  update(run: RunState): void {
    const width = Math.max(8, ...run.steps.map((s) => s.id.length));
    for (const step of run.steps) {
      const t = trainingOf(step);
      const done = step.status === 'succeeded';
      const total = t?.total ?? 1;
      const value = done ? total : (t?.step ?? 0);
      this.bars.set(step.id, total, value, { id: step.id.padEnd(width), progress: t ? `${value}/${total}` : done ? 'done' : '', details: stepDetails(step) });
    }
  }

  stop(): void {
    this.bars.stop();
  }
}
