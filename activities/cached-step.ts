import type { Catalog } from '../compiler/catalog';
import type { StepInput } from '../compiler/types';
import { cacheKeyOf, keyPartsFor } from '../store/cache-key';
import type { ActivityDeps } from './deps';
import type { StepLayer } from './step';
import { assertInputsIntact } from './verified-inputs';

/**
 * The step cache around a step type: the key is the type, its implementation version and the canonical inputs
 * (artifact digests, file contents). A verified hit returns the earlier outputs without running; a step that
 * does run first verifies the artifacts it reads.
 */
export function cacheLayer(type: string, catalog: Catalog, deps: Pick<ActivityDeps, 'store' | 'cache' | 'clock'>): StepLayer {
  const stepType = catalog.get(type);
  return async (input, run) => {
    const verifiedRun = async (input: StepInput) => {
      await assertInputsIntact(input, deps.store);
      return run(input);
    };
    // Step types without a schema (test fakes) are not cached.
    if (!stepType) return verifiedRun(input);
    const parts = await keyPartsFor(stepType, input.inputs, input.baseDir);
    const key = cacheKeyOf(parts);
    const owner = { pipeline: input.pipeline, stepId: input.stepId };
    let cacheMiss: string[] | undefined;
    if (input.cache) {
      const found = await deps.cache.lookup(key, parts, owner);
      if (found.hit) return { outputs: found.entry.outputs, cached: true, cacheKey: key };
      cacheMiss = found.reasons;
    }
    const result = await verifiedRun({ ...input, cacheKey: key });
    // Saved even when this run did not read the cache (--no-cache): a fresh result is the best entry there is.
    const producer = { ...owner, workflowId: input.workflowId };
    await deps.cache.save({ key, parts, outputs: result.outputs, createdAt: deps.clock().toISOString(), producer });
    return { ...result, cached: false, cacheKey: key, cacheMiss };
  };
}
