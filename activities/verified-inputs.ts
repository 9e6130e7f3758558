// Step inputs are verified before the step reads them: a corrupt artifact must fail the step, not train a
// tokenizer on damaged text. Re-verification is a stat per file once this process has hashed it (verified-cache.ts).
import { ApplicationFailure } from '@temporalio/common';

import type { StepInput } from '../compiler/types';
import type { ArtifactStore } from '../store/artifacts';
import { CorruptArtifactError } from '../store/artifact-errors';
import { artifactRefsIn } from '../store/references';

/** The failure's own nonRetryable flag stops retries; compiler/failure-types.ts need not list it (it may). */
export const CORRUPT_ARTIFACT = 'CorruptArtifact';

export async function assertInputsIntact(input: StepInput, store: ArtifactStore): Promise<void> {
  for (const ref of artifactRefsIn(input.inputs)) {
    try {
      await store.assertIntact(ref);
    } catch (error) {
      // A missing artifact is left to the step, which reports it in its own words.
      if (!(error instanceof CorruptArtifactError)) continue;
      throw ApplicationFailure.create({
        type: CORRUPT_ARTIFACT,
        message: `step "${input.stepId}": input ${error.message}\nhint: ${error.hint}`,
        nonRetryable: true,
      });
    }
  }
}
