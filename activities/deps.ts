import type { StepInput, StepResult } from '../compiler/types';
import type { ArtifactStore } from '../store/artifacts';

/** What activities get from the worker; tests hand in their own. */
export interface ActivityDeps {
  store: ArtifactStore;
  /** Scratch space for downloads and partial files that must survive an activity retry. */
  workDir: string;
  /** Progress lines for the worker's log. */
  log: (message: string) => void;
}

export type StepActivity = (input: StepInput) => Promise<StepResult>;
