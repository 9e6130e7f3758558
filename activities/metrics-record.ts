// `metrics/record@v1`: appends a run's metrics to a history under $KILN_HOME/metrics, then gates on the best value
// recorded before. The record is written before the gate, so the history also shows the night that failed it.
import { activityInfo } from '@temporalio/activity';

import type { Json, StepInput, StepResult } from '../compiler/types';
import { MetricsHistory } from '../store/metrics-history';
import { compareWithBest, regressionMessage } from '../store/metrics-history-compare';
import { HISTORY_NAME_PATTERN, HistoryError, type HistoryRecord } from '../store/metrics-history-types';
import type { ActivityDeps, StepActivity } from './deps';
import { invalidInput, nonRetryable } from './failures';

/** What tests may swap: where histories live and the clock. */
export interface RecordOptions {
  history?: MetricsHistory;
  now?: () => Date;
}

interface RecordInputs {
  name: string;
  metrics: { [metric: string]: number };
  model: Json;
  maxDrop: { [metric: string]: number };
  higherIsBetter: { [metric: string]: boolean };
}

export function metricsRecord(deps: ActivityDeps, options: RecordOptions = {}): StepActivity {
  return async (input) => ({ ...(await run(deps, options, input)), attempt: activityInfo().attempt });
}

async function run(deps: ActivityDeps, options: RecordOptions, input: StepInput): Promise<Omit<StepResult, 'attempt'>> {
  const inputs = parseInputs(input);
  const history = options.history ?? new MetricsHistory();
  const line: HistoryRecord = {
    at: (options.now ?? (() => new Date()))().toISOString(),
    run: input.workflowId,
    step: input.stepId,
    model: inputs.model,
    metrics: inputs.metrics,
    ...(Object.keys(inputs.higherIsBetter).length > 0 ? { higher_is_better: inputs.higherIsBetter } : {}),
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
  const comparison = compareWithBest(earlier, record.metrics, { maxDrop: inputs.maxDrop, higherIsBetter: inputs.higherIsBetter });
  const file = history.fileOf(inputs.name);
  const failed = Object.entries(comparison).filter(([, c]) => !c.passed);
  deps.log(
    `${input.stepId}: ${appended.appended ? 'recorded' : 'already recorded'} in ${file} (${earlier.length} earlier record(s)); ` +
      (failed.length > 0 ? `${failed.length} metric(s) dropped too far` : 'no metric dropped beyond its margin'),
  );
  if (failed.length > 0) {
    throw nonRetryable(
      'GateFailed',
      `steps.${input.stepId}: ${failed.map(([metric, c]) => regressionMessage(metric, c)).join('; ')}`,
      `this run's metrics were recorded in ${file}; see the trend with \`kiln metrics history ${inputs.name}\`. If the drop is expected, raise with.max_drop or start a new history name`,
    );
  }
  return { outputs: { record: { ...record, appended: appended.appended, comparison } as unknown as Json } };
}

function parseInputs(input: StepInput): RecordInputs {
  const { name, metrics, model = null, max_drop: maxDrop = {}, higher_is_better: higherIsBetter = {} } = input.inputs;
  const where = `steps.${input.stepId}.with`;
  if (typeof name !== 'string' || !HISTORY_NAME_PATTERN.test(name)) {
    throw invalidInput(`${where}.name: ${JSON.stringify(name)} is not a history name`, 'lowercase letters, digits and dashes, starting with a letter');
  }
  const numbers = mapOf(metrics, `${where}.metrics`, (v) => typeof v === 'number' && Number.isFinite(v), 'a number', 'pass ${{ steps.<evaluate>.outputs.metrics }}');
  if (Object.keys(numbers).length === 0) throw invalidInput(`${where}.metrics: is empty; there is nothing to record`);
  const drops = mapOf(maxDrop, `${where}.max_drop`, (v) => typeof v === 'number' && v >= 0, 'a number >= 0');
  const directions = mapOf(higherIsBetter, `${where}.higher_is_better`, (v) => typeof v === 'boolean', 'true or false');
  const known = Object.keys(numbers).join(', ');
  for (const metric of Object.keys(drops)) {
    if (!(metric in numbers)) throw invalidInput(`${where}.max_drop.${metric}: the metrics have no "${metric}"`, `they have ${known}`);
  }
  return { name, metrics: numbers as RecordInputs['metrics'], model, maxDrop: drops as RecordInputs['maxDrop'], higherIsBetter: directions as RecordInputs['higherIsBetter'] };
}

/** A plain object whose every value passes `ok`; otherwise InvalidInput naming the first key that does not. */
function mapOf(value: Json | undefined, where: string, ok: (v: Json) => boolean, expected: string, hint?: string): { [key: string]: Json } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidInput(`${where}: must be an object of metric → ${expected}`, hint);
  for (const [key, v] of Object.entries(value)) {
    if (!ok(v)) throw invalidInput(`${where}.${key}: must be ${expected} (got ${JSON.stringify(v)})`, hint);
  }
  return value;
}
