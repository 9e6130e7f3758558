import { activityInfo } from '@temporalio/activity';

import type { Catalog } from '../compiler/catalog';
import { cacheKeyOf, keyPartsFor } from '../store/cache-key';
import type { StepCache } from '../store/cache';
import type { StepActivity } from './deps';
import { verifyingInputs } from './verified-inputs';

/**
 * Wraps a step type with the step cache: the key is the type, its implementation version and the canonical
 * inputs (artifact digests, file contents). A verified hit returns the earlier outputs without running; a step
 * that does run first verifies the artifacts it reads.
 */
export function withCache(type: string, step: StepActivity, catalog: Catalog, cache: StepCache): StepActivity {
  const activity = verifyingInputs(step, cache.store);
  const stepType = catalog.get(type);
  // Step types without a schema (test fakes) are not cached.
  if (!stepType) return activity;
  return async (input) => {
    const parts = await keyPartsFor(stepType, input.inputs, input.baseDir);
    const key = cacheKeyOf(parts);
    const owner = { pipeline: input.pipeline, stepId: input.stepId };
    let cacheMiss: string[] | undefined;
    if (input.cache) {
      const found = await cache.lookup(key, parts, owner);
      if (found.hit) return { outputs: found.entry.outputs, attempt: activityInfo().attempt, cached: true, cacheKey: key };
      cacheMiss = found.reasons;
    }
    const result = await activity({ ...input, cacheKey: key });
    // Saved even when this run did not read the cache (--no-cache): a fresh result is the best entry there is.
    const producer = { ...owner, workflowId: input.workflowId };
    await cache.save({ key, parts, outputs: result.outputs, createdAt: new Date().toISOString(), producer });
    return { ...result, cached: false, cacheKey: key, cacheMiss };
  };
}
