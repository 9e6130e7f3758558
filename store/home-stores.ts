// The artifact store, step cache, model registry and metrics histories of a home, shared through KILN_STORE when it names one: what every worker, `kiln
// run` and the commands that read artifacts build, so that they all see the same store.
import path from 'node:path';

import { ArtifactStore } from './artifacts';
import { StepCache } from './cache';
import { MetricsHistory } from './metrics-history';
import { ModelRegistry } from './registry';
import { objectStoreFromEnv } from './remote/config';
import type { ObjectStore } from './remote/object-store';
import { RemoteArtifacts } from './remote/remote-artifacts';
import { RemoteRegistry } from './remote/remote-registry';
import { storeLayout } from './store-walk';

export interface HomeStores {
  store: ArtifactStore;
  cache: StepCache;
  registry: ModelRegistry;
  metrics: MetricsHistory;
  /** The shared store, when KILN_STORE names one; the home's store is then its read-through cache. */
  objects?: ObjectStore;
}

export function homeStores(home: string, env: NodeJS.ProcessEnv = process.env): HomeStores {
  const layout = storeLayout(home);
  const objects = objectStoreFromEnv(env);
  const store = new ArtifactStore(layout.store, objects && new RemoteArtifacts(objects));
  const registry = new ModelRegistry(layout.models, objects && { records: new RemoteRegistry(objects), artifacts: store });
  const metrics = new MetricsHistory(path.join(home, 'metrics'), objects);
  return { store, cache: new StepCache(store, layout.cache, objects), registry, metrics, ...(objects ? { objects } : {}) };
}

/**
 * At the start of a worker, `kiln run` or `kiln serve`: when KILN_STORE names a shared store, checks it can be read
 * and written (ObjectStoreError, one line, when not) and says which store and endpoint this process uses.
 */
export async function checkSharedStore(stores: HomeStores, say: (line: string) => void): Promise<void> {
  if (!stores.objects) return;
  await stores.objects.probe();
  say(`store: ${stores.objects.describe()} (this machine's cache: ${stores.store.root})`);
}
