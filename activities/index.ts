import { loadCatalog } from '../compiler/catalog';
import { cacheLayer } from './cached-step';
import type { ActivityDeps, StepActivity } from './deps';
import type { StepType } from './step';

/**
 * A step type whose code loads on its first call: a worker that never trains never loads TF.js, and `kiln run`
 * starts in a second, not three.
 */
function lazy(load: () => Promise<StepType>): StepType {
  return (deps, layer) => {
    let made: Promise<StepActivity> | undefined;
    return async (input) => (await (made ??= load().then((make) => make(deps, layer))))(input);
  };
}

/** The step-type registry: one line per step type. The key is the activity name the workflow calls. */
const STEP_TYPES: Record<string, StepType> = {
  'corpus/download@v1': lazy(async () => (await import('./corpus-download')).corpusDownload),
  'tokenizer/wordpiece@v1': lazy(async () => (await import('./tokenizer-wordpiece')).tokenizerWordpiece),
  'bert/pretraining-data@v1': lazy(async () => (await import('./bert-pretraining-data')).bertPretrainingData),
  'bert/pretrain@v1': lazy(async () => (await import('./bert-pretrain')).bertPretrain),
  'dataset/load@v1': lazy(async () => (await import('./dataset-load')).datasetLoad),
  'model/deploy@v1': lazy(async () => (await import('./model-deploy')).modelDeploy),
  'bert/finetune@v1': lazy(async () => (await import('./bert-finetune')).bertFinetune),
  'bert/evaluate@v1': lazy(async () => (await import('./bert-evaluate')).bertEvaluate),
  'model/resolve@v1': lazy(async () => (await import('./model-resolve')).modelResolve),
  'metrics/record@v1': lazy(async () => (await import('./metrics-record')).metricsRecord),
  'model/import@v1': lazy(async () => (await import('./model-import')).modelImport),
};

/** Activities by name, each behind input verification and the step cache; `extra` lets tests register fakes. */
export function createActivities(deps: ActivityDeps, extra: Record<string, StepType> = {}): Record<string, StepActivity> {
  const catalog = loadCatalog();
  return Object.fromEntries(Object.entries({ ...STEP_TYPES, ...extra }).map(([name, make]) => [name, make(deps, cacheLayer(name, catalog, deps))]));
}
