// Learning rate: linear warmup to the peak, then linear decay to 0 at totalSteps (BERT's schedule).

export interface LinearSchedule {
  peak: number;
  warmupSteps: number;
  totalSteps: number;
}

/**
 * The rate for the update after `step` completed updates (0-based). Warmup gives peak·(step+1)/warmup,
 * so the first update already moves and step warmup−1 reaches the peak; decay gives
 * peak·(total−step)/(total−warmup), so every update before `totalSteps` moves and step `totalSteps` is 0.
 */
export function learningRateAt(step: number, s: LinearSchedule): number {
  if (step < s.warmupSteps) return (s.peak * (step + 1)) / s.warmupSteps;
  const decaySteps = s.totalSteps - s.warmupSteps;
  if (decaySteps <= 0) return step < s.totalSteps ? s.peak : 0;
  return (s.peak * Math.max(0, s.totalSteps - step)) / decaySteps;
}
