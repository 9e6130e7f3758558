// What every implementation in bench/training.ts trains, and how long: the one definition that the kiln child
// (_training-step.ts) and the PyTorch child (torch_bert.py, through its arguments) both follow.

/** The two model sizes of the benchmark (Turc et al. 2019). */
export const BERT_SIZES = {
  tiny: { hidden_size: 128, num_layers: 2, num_heads: 2, intermediate_size: 512 },
  mini: { hidden_size: 256, num_layers: 4, num_heads: 4, intermediate_size: 1024 },
} as const;
export type BertSize = keyof typeof BERT_SIZES;

/** The batch every step trains on: 16 × 128 tokens, 20 masked positions per sequence (320 gathered). */
export const SHAPE = { vocab: 8192, batch: 16, seq: 128, predictions: 20 } as const;
export const TOKENS_PER_STEP = SHAPE.batch * SHAPE.seq;

/** Warm up, then time steps until both minimums are reached, stopping at maxSteps. */
export interface TimingRule {
  warmup: number;
  minSteps: number;
  minSeconds: number;
  maxSteps: number;
}

/** What a child prints: one JSON line. */
export interface ChildResult {
  stepMs: number[];
  finalLoss: number;
  peakRssMb: number;
  /** CPU time of the whole child process (all threads), to tell its load from other processes'. */
  cpuSeconds: number;
  /** Backend, library versions, BLAS: whatever the child knows about what it ran on. */
  info: Record<string, unknown>;
}

/** The arguments both children take for the rule. */
export function ruleArgs(rule: TimingRule): string[] {
  return ['--warmup', rule.warmup, '--min-steps', rule.minSteps, '--min-seconds', rule.minSeconds, '--max-steps', rule.maxSteps].map(String);
}

/** How a measurement's process is started. */
export interface Child {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}
