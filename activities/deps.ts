import path from 'node:path';

import type { StepInput, StepResult } from '../compiler/types';
import { ArtifactStore } from '../store/artifacts';
import { StepCache } from '../store/cache';
import { checkpointRoots, type CheckpointRoots } from '../store/checkpoints';
import type { MetricsHistory } from '../store/metrics-history';
import type { ModelRegistry } from '../store/registry';
import { homeStores } from '../store/home-stores';
import { CheckpointMirror } from '../store/remote/checkpoint-mirror';
import { storeLayout } from '../store/store-walk';

/** What activities get from the worker; no activity looks anything up itself. Tests build theirs on a temp home. */
export interface ActivityDeps {
  /** The kiln home everything below lives in (a deploy starts `kiln serve` for it). */
  home: string;
  store: ArtifactStore;
  /** Finished step results by cache key. */
  cache: StepCache;
  /** Where training steps keep the checkpoints of each (workflow, step). */
  checkpoints: CheckpointRoots;
  registry: ModelRegistry;
  /** Metrics histories (metrics/record@v1). */
  metrics: MetricsHistory;
  /** Scratch space for downloads and partial files that must survive an activity retry. */
  workDir: string;
  /** The time that records carry (cache entries, metrics histories). */
  clock: () => Date;
  /** Progress lines for the worker's log. */
  log: (message: string) => void;
}

export interface ActivityDepsOptions {
  log?: (message: string) => void;
  clock?: () => Date;
}

/** The dependencies of a home, laid out as `kiln store verify` and `kiln store gc` expect them. */
export function activityDeps(home: string, options: ActivityDepsOptions = {}): ActivityDeps {
  const layout = storeLayout(home);
  const { store, cache, registry, metrics, objects } = homeStores(home);
  const mirror = objects && new CheckpointMirror(objects, layout.checkpoints);
  return {
    home,
    store,
    cache,
    checkpoints: mirror ? { ...checkpointRoots(home), sync: (root) => mirror.for(root) } : checkpointRoots(home),
    registry,
    metrics,
    workDir: path.join(home, 'work'),
    clock: options.clock ?? (() => new Date()),
    log: options.log ?? (() => undefined),
  };
}

export type StepActivity = (input: StepInput) => Promise<StepResult>;
