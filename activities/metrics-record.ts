// `metrics/record@v1`: appends a run's metrics to a history of the home (`metrics/NAME.jsonl`), then gates on the
// best value recorded before. The record is written before the gate, so the history also shows the night that failed it.
import type { Json } from '../contract/json';
import { compareWithBest, regressionMessage } from '../store/metrics-history-compare';
import { HistoryError, type HistoryRecord } from '../store/metrics-history-types';
import { invalidInput, nonRetryable } from './failures';
import { defineStep, type StepContext, type StepOutputs } from './step';
import { stepInputs } from './step-inputs';

export const metricsRecord = defineStep(run);

async function run(step: StepContext): Promise<StepOutputs> {
  const { input, deps } = step;
  const inputs = stepInputs('metrics/record@v1', input);
  const history = deps.metrics;
  const line: HistoryRecord = {
    at: deps.clock().toISOString(),
    run: input.workflowId,
    step: input.stepId,
    model: inputs.model ?? null,
    metrics: inputs.metrics,
    ...(Object.keys(inputs.higher_is_better).length > 0 ? { higher_is_better: inputs.higher_is_better } : {}),
  };
  let appended;
  try {
    appended = await history.append(inputs.name, line);
  } catch (error) {
    // A corrupt line is the user's to fix; retrying cannot help.
    if (error instanceof HistoryError) throw invalidInput(`steps.${input.stepId}: ${error.message}`, error.hint);
    throw error;
  }
  const { record, earlier } = appended;
  const comparison = compareWithBest(earlier, record.metrics, { maxDrop: inputs.max_drop, higherIsBetter: inputs.higher_is_better });
  const file = history.fileOf(inputs.name);
  const failed = Object.entries(comparison).filter(([, c]) => !c.passed);
  step.log(
    `${appended.appended ? 'recorded' : 'already recorded'} in ${file} (${earlier.length} earlier record(s)); ` +
      (failed.length > 0 ? `${failed.length} metric(s) dropped too far` : 'no metric dropped beyond its margin'),
  );
  if (failed.length > 0) {
    throw nonRetryable(
      'GateFailed',
      `steps.${input.stepId}: ${failed.map(([metric, c]) => regressionMessage(metric, c)).join('; ')}`,
      `this run's metrics were recorded in ${file}; see the trend with \`kiln metrics history ${inputs.name}\`. If the drop is expected, raise with.max_drop or start a new history name`,
    );
  }
  return { record: { ...record, appended: appended.appended, comparison } as unknown as Json };
}
