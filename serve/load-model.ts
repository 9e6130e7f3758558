// The production model loader: initialises the tensor backend once, then loads a registered version by kind.
// `kiln serve` and `kiln embed` both load through it.
import { initBackend, type BackendChoice } from '../nlp/backend';
import { loadClassifier } from '../nlp/finetune/classifier';
import type { ModelKind } from '../store/registry-types';
import { loadEncoder } from './fill-mask';
import type { LoadModel, ServedModel } from './types';

export function defaultModelLoader(backend: BackendChoice = 'auto'): LoadModel {
  let ready: Promise<unknown> | undefined;
  return async (dir: string, kind: ModelKind): Promise<ServedModel> => {
    ready ??= initBackend(backend);
    await ready;
    if (kind === 'encoder') return loadEncoder(dir);
    const classifier = await loadClassifier(dir);
    return {
      kind: 'classifier',
      labels: classifier.labels,
      embedding: { pooling: classifier.pooling, dimensions: classifier.dimensions },
      predict: (texts, pairs) => classifier.predict(texts, pairs),
      embed: (texts) => classifier.embed(texts),
      dispose: () => classifier.dispose(),
    };
  };
}
