import { TypedSearchAttributes } from '@temporalio/common';
import type { WorkflowExecutionStatusName } from '@temporalio/client';
import { describe, expect, it } from 'vitest';

import { runsQuery, runStatus } from '../../../cli/list';
import { UserError } from '../../../cli/user-error';
import { KilnStatus } from '../../../workflows/search-attributes';

describe('kiln list query', () => {
  it('filters by the KilnPipeline and KilnStatus search attributes', () => {
    expect(runsQuery({})).toBe(`WorkflowType = 'pipelineWorkflow'`);
    expect(runsQuery({ pipeline: 'quickstart', status: 'failed' })).toBe(
      `WorkflowType = 'pipelineWorkflow' AND KilnPipeline = 'quickstart' AND KilnStatus = 'failed'`,
    );
  });

  it('refuses values that are not pipeline names or run statuses (and so cannot inject into the query)', () => {
    expect(() => runsQuery({ pipeline: "x' OR 'a' = 'a" })).toThrow(UserError);
    expect(() => runsQuery({ status: 'done' })).toThrow('--status "done" is not a run status');
  });
});

describe('runStatus', () => {
  const info = (name: WorkflowExecutionStatusName, kiln?: string) => ({
    status: { code: 0, name },
    typedSearchAttributes: new TypedSearchAttributes(kiln ? [{ key: KilnStatus, value: kiln }] : []),
  });

  it("is the workflow's KilnStatus, or Temporal's status for a run that ended without publishing one", () => {
    expect(runStatus(info('RUNNING', 'running'))).toBe('running');
    expect(runStatus(info('COMPLETED', 'succeeded'))).toBe('succeeded');
    expect(runStatus(info('FAILED', 'failed'))).toBe('failed');
    expect(runStatus(info('TERMINATED', 'running'))).toBe('terminated');
    expect(runStatus(info('TIMED_OUT', 'running'))).toBe('timed-out');
    expect(runStatus(info('RUNNING'))).toBe('running');
  });
});
