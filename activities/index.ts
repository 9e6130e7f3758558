import { activityInfo } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';

import path from 'node:path';

import { loadCatalog } from '../compiler/catalog';
import { StepCache } from '../store/cache';
import { withCache } from './cached-step';
import { classifiedFailure } from './failure-kinds';
import { bertEvaluate } from './bert-evaluate';
import { bertFinetune } from './bert-finetune';
import { bertPretrain } from './bert-pretrain';
import { bertPretrainingData } from './bert-pretraining-data';
import { corpusDownload } from './corpus-download';
import { datasetLoad } from './dataset-load';
import { metricsRecord } from './metrics-record';
import { modelDeploy } from './model-deploy';
import { modelResolve } from './model-resolve';
import { tokenizerWordpiece } from './tokenizer-wordpiece';
import type { ActivityDeps, StepActivity } from './deps';

/** The step-type registry: one line per step type. The key is the activity name the workflow calls. */
const STEP_TYPES: Record<string, (deps: ActivityDeps) => StepActivity> = {
  'corpus/download@v1': corpusDownload,
  'tokenizer/wordpiece@v1': tokenizerWordpiece,
  'bert/pretraining-data@v1': bertPretrainingData,
  'bert/pretrain@v1': bertPretrain,
  'dataset/load@v1': datasetLoad,
  'model/deploy@v1': modelDeploy,
  'bert/finetune@v1': bertFinetune,
  'bert/evaluate@v1': bertEvaluate,
  'model/resolve@v1': modelResolve,
  'metrics/record@v1': metricsRecord,
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
