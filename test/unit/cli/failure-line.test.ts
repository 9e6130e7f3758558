import { describe, expect, it } from 'vitest';

import { stepDetails } from '../../../cli/live-view';
import { stepLine } from '../../../cli/render';
import type { StepState } from '../../../cli/run-state';

// What a DiskFull failure can carry: the classified line, kiln's hint, and the stack of the error beneath.
const DISK_FULL = [
  'DiskFull: step "pretrain" attempt 1: the disk is full (ENOSPC: no space left on device, write)',
  'hint: free space on the disk of /home/k/.kiln, then `kiln resume quickstart-abc`',
  'Error: ENOSPC: no space left on device, write',
  '    at async open (node:internal/fs/promises:639:25)',
  '    at async Object.writeFile (node:internal/fs/promises:1212:14)',
].join('\n');

function step(fields: Partial<StepState>): StepState {
  return { id: 'pretrain', type: 'bert/pretrain@v1', status: 'failed', attempts: 1, cached: false, ...fields };
}

describe('failure messages in step lines', () => {
  it('plain lines keep the first line and the hint, not the stack', () => {
    expect(stepLine(step({ error: DISK_FULL }), 10)).toBe(
      '✗ pretrain    bert/pretrain@v1              failed     — DiskFull: step "pretrain" attempt 1: the disk is full (ENOSPC: no space left on device, write)\n' +
        '      hint: free space on the disk of /home/k/.kiln, then `kiln resume quickstart-abc`',
    );
    expect(stepLine(step({ status: 'retrying', attempts: 2, lastFailure: 'Error: write failed\n    at write (x.js:1:1)' }), 10)).toBe(
      '↻ pretrain    bert/pretrain@v1              retrying   attempt 2  — last failure: Error: write failed',
    );
  });

  it('the live view shows one line of the failure, the last failure included', () => {
    expect(stepDetails(step({ error: DISK_FULL }))).toBe('failed · DiskFull: step "pretrain" attempt 1: the disk is full (ENOSPC: no space left on device, write)');
    expect(stepDetails(step({ status: 'retrying', attempts: 2, lastFailure: 'Error: write failed\n    at write (x.js:1:1)' }))).toBe(
      'retrying · attempt 2 · last failure: Error: write failed',
    );
  });
});
