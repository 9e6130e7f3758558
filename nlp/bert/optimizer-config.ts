// The optimizer's typed config (the `optimizer:` block of bert/pretrain, plus total_steps).
import { ConfigError, checkInteger, checkNumber, rejectUnknownKeys } from './config-check';

export interface AdamWConfig {
  learning_rate: number;
  warmup_steps: number;
  total_steps: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  weight_decay: number;
  clip_norm: number;
}

export const ADAMW_DEFAULTS: Omit<AdamWConfig, 'total_steps'> = {
  learning_rate: 1e-4, // peak rate, reached after warmup (google-research/bert pretraining)
  warmup_steps: 0, // linear warmup length; BERT uses 1% of training
  beta1: 0.9, // first-moment decay
  beta2: 0.999, // second-moment decay
  epsilon: 1e-6, // google-research/bert's value (PyTorch's default is 1e-8)
  weight_decay: 0.01, // decoupled; never applied to LayerNorm weights or biases
  clip_norm: 1.0, // global gradient-norm clip; 0 disables it
};

const KEYS: readonly (keyof AdamWConfig)[] = ['total_steps', ...(Object.keys(ADAMW_DEFAULTS) as (keyof AdamWConfig)[])];

/** Fills defaults and validates; total_steps is required (the schedule decays to 0 there). */
export function resolveAdamWConfig(partial: Partial<AdamWConfig>): AdamWConfig {
  const what = 'optimizer';
  rejectUnknownKeys(what, partial, KEYS);
  if (partial.total_steps === undefined) {
    throw new ConfigError(`${what}.total_steps: required; set it to the number of training steps`);
  }
  const c: AdamWConfig = { ...ADAMW_DEFAULTS, total_steps: partial.total_steps };
  for (const key of KEYS) {
    const value = partial[key];
    if (value !== undefined) c[key] = value;
  }
  checkNumber(what, 'learning_rate', c.learning_rate, { min: 0, minExclusive: true });
  checkInteger(what, 'total_steps', c.total_steps, 1);
  checkInteger(what, 'warmup_steps', c.warmup_steps, 0);
  checkNumber(what, 'beta1', c.beta1, { min: 0, max: 1 });
  checkNumber(what, 'beta2', c.beta2, { min: 0, max: 1 });
  checkNumber(what, 'epsilon', c.epsilon, { min: 0, minExclusive: true });
  checkNumber(what, 'weight_decay', c.weight_decay, { min: 0 });
  checkNumber(what, 'clip_norm', c.clip_norm, { min: 0 });
  if (c.warmup_steps > c.total_steps) {
    throw new ConfigError(
      `${what}: warmup_steps ${c.warmup_steps} exceeds total_steps ${c.total_steps}; lower warmup_steps (BERT uses ~1% of the steps)`,
    );
  }
  return c;
}
