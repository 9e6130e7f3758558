import { activityInfo } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';

import path from 'node:path';

import { loadCatalog } from '../compiler/catalog';
import { StepCache } from '../store/cache';
import { withCache } from './cached-step';
import { classifiedFailure } from './failure-kinds';
import type { ActivityDeps, StepActivity } from './deps';

/**
 * A step type whose code loads on its first call: a worker that never trains never loads TF.js, and `kiln run`
 * starts in a second, not three.
 */
function lazy(load: () => Promise<(deps: ActivityDeps) => StepActivity>): (deps: ActivityDeps) => StepActivity {
  return (deps) => {
    let made: Promise<StepActivity> | undefined;
    return async (input) => (await (made ??= load().then((make) => make(deps))))(input);
  };
}

/** The step-type registry: one line per step type. The key is the activity name the workflow calls. */
const STEP_TYPES: Record<string, (deps: ActivityDeps) => StepActivity> = {
  'corpus/download@v1': lazy(async () => (await import('./corpus-download')).corpusDownload),
  'tokenizer/wordpiece@v1': lazy(async () => (await import('./tokenizer-wordpiece')).tokenizerWordpiece),
  'bert/pretraining-data@v1': lazy(async () => (await import('./bert-pretraining-data')).bertPretrainingData),
  'bert/pretrain@v1': lazy(async () => (await import('./bert-pretrain')).bertPretrain),
  'dataset/load@v1': lazy(async () => (await import('./dataset-load')).datasetLoad),
  'model/deploy@v1': lazy(async () => (await import('./model-deploy')).modelDeploy),
  'bert/finetune@v1': lazy(async () => (await import('./bert-finetune')).bertFinetune),
  'bert/evaluate@v1': lazy(async () => (await import('./bert-evaluate')).bertEvaluate),
  'model/resolve@v1': lazy(async () => (await import('./model-resolve')).modelResolve),
  'metrics/record@v1': lazy(async () => (await import('./metrics-record')).metricsRecord),
};

export function stepTypes(): string[] {
  return Object.keys(STEP_TYPES);
}

/**
 * Failures leave the activity as ApplicationFailures carrying the attempt, so the run summary can say "after N
 * attempts"; other errors are classified first (failure-kinds.ts).
 */
function withAttempt(activity: StepActivity): StepActivity {
  return async (input) => {
    try {
      return await activity(input);
    } catch (error) {
      const attempt = activityInfo().attempt;
      if (error instanceof ApplicationFailure) {
        throw ApplicationFailure.create({
          type: error.type ?? 'Error',
          message: error.message,
          nonRetryable: error.nonRetryable ?? false,
          details: [...(error.details ?? []), { attempt }],
          cause: error.cause,
        });
      }
      if (error instanceof CancelledFailure) throw error;
      // Out of memory, a crashed training thread, a full disk, a network hiccup: typed, with step and attempt.
      throw classifiedFailure(error, { stepId: input.stepId, attempt, workflowId: input.workflowId });
    }
  };
}

/** Activities by name; `extra` lets tests register fast fake step types. */
export function createActivities(
  deps: ActivityDeps,
  extra: Record<string, (deps: ActivityDeps) => StepActivity> = {},
): Record<string, StepActivity> {
  const all = { ...STEP_TYPES, ...extra };
  const catalog = loadCatalog();
  // The cache sits beside the store it points into.
  const cache = new StepCache(deps.store, path.join(path.dirname(deps.store.root), 'cache'));
  return Object.fromEntries(
    Object.entries(all).map(([name, make]) => [name, withAttempt(withCache(name, make(deps), catalog, cache))]),
  );
}
