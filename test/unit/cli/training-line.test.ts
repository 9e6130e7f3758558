import { describe, expect, it } from 'vitest';

import { trainingLine } from '../../../cli/render';
import type { StepState } from '../../../cli/run-state';

function running(heartbeat: StepState['heartbeat']): StepState {
  return { id: 'pretrain', type: 'bert/pretrain@v1', status: 'running', attempts: 1, cached: false, heartbeat };
}

describe('the training progress line', () => {
  it('names the backend training runs on, after its speed', () => {
    const line = trainingLine(running({ step: 10, total: 40, loss: 6.5, tokens_per_sec: 10560.4, checkpoint: { step: 5 }, backend: 'tfjs-node' }), 10);
    expect(line).toBe('  pretrain    [#####...............]  10/40  loss 6.500  10,560 tok/s on tfjs-node  ckpt 5');
  });

  it('says nothing of a backend before the training thread reported one', () => {
    const line = trainingLine(running({ step: 0, total: 40, loss: null, tokens_per_sec: null, checkpoint: null }), 10);
    expect(line).toBe('  pretrain    [....................]  0/40');
  });
});
