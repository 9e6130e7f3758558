import { loadCatalog } from '../compiler/catalog';
import type { Json } from '../contract/json';
import type { Plan } from '../compiler/types';
import { cacheKeyOf, keyPartsFor } from '../store/cache-key';
import { homeStores } from '../store/home-stores';
import { kilnHome } from '../store/paths';
import { resolveInputs } from '../workflows/inputs';

export type CachePreview =
  | { state: 'cached'; key: string; producer: string; outputs: { [name: string]: Json } }
  | { state: 'will run'; reasons: string[]; key?: string };

/**
 * What `kiln run` would reuse: walks the plan in order, predicting each step's inputs from the cached outputs
 * of the steps before it, exactly as the worker's cache lookup will compute them.
 */
export async function previewCache(plan: Plan, options: { noCache?: boolean } = {}): Promise<Map<string, CachePreview>> {
  const home = kilnHome();
  const { cache } = homeStores(home);
  const catalog = loadCatalog();
  const predicted: { [stepId: string]: { [name: string]: Json } } = {};
  const preview = new Map<string, CachePreview>();
  for (const step of plan.steps) {
    const stepType = catalog.get(step.type);
    const upstream = step.dependsOn.filter((dep) => preview.get(dep)?.state !== 'cached');
    if (!stepType || options.noCache || !step.cache) {
      preview.set(step.id, { state: 'will run', reasons: [options.noCache ? '--no-cache' : 'cache: false'] });
    } else if (upstream.length > 0) {
      preview.set(step.id, { state: 'will run', reasons: upstream.map((dep) => `upstream step "${dep}" will run`) });
    } else {
      const inputs = resolveInputs(step.inputs, predicted);
      const parts = await keyPartsFor(stepType, inputs, plan.source.dir);
      const key = cacheKeyOf(parts);
      const found = await cache.lookup(key, parts, { pipeline: plan.pipeline, stepId: step.id });
      if (found.hit) {
        predicted[step.id] = found.entry.outputs;
        preview.set(step.id, { state: 'cached', key, producer: found.entry.producer.workflowId, outputs: found.entry.outputs });
      } else {
        preview.set(step.id, { state: 'will run', reasons: found.reasons, key });
      }
    }
  }
  return preview;
}
