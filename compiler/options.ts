// Activity options of a step. Precedence, field by field: the step's own setting > pipeline
// `defaults` > the step type's `x-kiln.defaults` > the built-in defaults below.
import type { OptionsSpec } from './catalog';
import { formatDuration, parseDuration } from './durations';
import type { StepActivityOptions } from './types';

export const TASK_QUEUE = 'kiln';
export const GPU_TASK_QUEUE = 'kiln-gpu';

export const BUILTIN_OPTIONS = {
  timeout: '30m',
  retry: { max_attempts: 3, initial_interval: '5s', backoff: 2.0, max_interval: '5m' },
} as const;

export interface ResourcesSpec {
  accelerator?: 'cpu' | 'gpu';
  queue?: string;
}

export type ResolvedOptions = { options: StepActivityOptions } | { error: string; hint: string };

/** `layers` from weakest to strongest; fields a layer leaves out fall through to the weaker ones. */
export function resolveOptions(layers: ReadonlyArray<OptionsSpec | undefined>, resources?: ResourcesSpec): ResolvedOptions {
  const pick = <T>(get: (o: OptionsSpec) => T | undefined): T | undefined => {
    let value: T | undefined;
    for (const layer of [BUILTIN_OPTIONS as OptionsSpec, ...layers]) {
      const v = layer ? get(layer) : undefined;
      if (v !== undefined) value = v;
    }
    return value;
  };
  const timeout = pick((o) => o.timeout)!;
  const heartbeat = pick((o) => o.heartbeat_timeout);
  const initial = parseDuration(pick((o) => o.retry?.initial_interval)!);
  const max = parseDuration(pick((o) => o.retry?.max_interval)!);
  if (max < initial) {
    return {
      error: `retry.max_interval (${formatDuration(max)}) is shorter than retry.initial_interval (${formatDuration(initial)})`,
      hint: 'the wait between attempts grows from initial_interval up to max_interval: set max_interval >= initial_interval',
    };
  }
  const options: StepActivityOptions = {
    taskQueue: resources?.queue ?? (resources?.accelerator === 'gpu' ? GPU_TASK_QUEUE : TASK_QUEUE),
    startToCloseTimeoutMs: parseDuration(timeout),
    retry: {
      maxAttempts: pick((o) => o.retry?.max_attempts)!,
      initialIntervalMs: initial,
      backoff: pick((o) => o.retry?.backoff)!,
      maxIntervalMs: max,
    },
  };
  if (heartbeat !== undefined) options.heartbeatTimeoutMs = parseDuration(heartbeat);
  return { options };
}
