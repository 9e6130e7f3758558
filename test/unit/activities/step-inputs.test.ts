// The activity edge: a step's resolved inputs checked by the compiler's validator and rules, defaults filled in,
// or InvalidInput (not retried) naming each wrong key the way the compiler would.
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';

import { stepInputs } from '../../../activities/step-inputs';
import type { Json } from '../../../contract/json';
import type { StepInput } from '../../../compiler/types';

const ref = (kind: string) => ({ uri: `kiln://sha256/${'a'.repeat(64)}`, kind, digest: `sha256:${'a'.repeat(64)}`, bytes: 1, meta: {} });

function input(inputs: { [key: string]: Json }): StepInput {
  return { runId: 'r', workflowId: 'wf', pipeline: 'p', stepId: 'pretrain', cache: false, resumedFrom: [], baseDir: '/tmp', inputs };
}

function failure(f: () => unknown): ApplicationFailure {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ApplicationFailure);
    return e as ApplicationFailure;
  }
  throw new Error('expected a failure');
}

describe('stepInputs', () => {
  it('returns the typed inputs with every schema default filled in', () => {
    const inputs = stepInputs('bert/pretrain@v1', input({ data: ref('pretraining-data'), tokenizer: ref('tokenizer'), steps: 10 }));
    expect(inputs.model.hidden_size).toBe(128);
    expect(inputs.batch_size).toBe(16);
    expect(inputs.optimizer).toEqual({ learning_rate: 0.001, weight_decay: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-6, clip_norm: 1 });
  });

  it('fails with InvalidInput, not retried, naming the step, each wrong key and a fix', () => {
    const wrong = failure(() => stepInputs('bert/pretrain@v1', input({ data: ref('corpus'), tokenizer: ref('tokenizer'), steps: 0 })));
    expect(wrong).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
    expect(wrong.message).toBe(
      'steps.pretrain.with.data: must be a "pretraining-data" artifact (got a "corpus" artifact); steps.pretrain.with.steps: must be >= 1 (got 0)\n' +
        'hint: use ${{ steps.ID.outputs.NAME }} of a step whose output is a "pretraining-data" artifact',
    );
  });

  it('checks the cross-field rules too, as a hand-started workflow skips the compiler', () => {
    const heads = failure(() => stepInputs('bert/pretrain@v1', input({ data: ref('pretraining-data'), tokenizer: ref('tokenizer'), steps: 10, model: { num_heads: 3 } })));
    expect(heads.message).toBe(
      'steps.pretrain.with.model.num_heads: 3 does not divide model.hidden_size 128\n' +
        'hint: each attention head gets hidden_size / num_heads dimensions; e.g. model.num_heads 2 or 4, or model.hidden_size 126 or 129',
    );
  });
});
