// A served model behind batchers: one for single texts, one for text pairs, one for fill-mask, one for embed,
// because a forward pass takes texts all of one shape and computes one kind of answer.
import { Batcher } from './batcher';
import type { BatchOptions } from './limits';
import { ModelInputError, type FillMaskResult, type Prediction, type ServedModel } from './types';

export class BatchedModel {
  private readonly single: Batcher<string, Prediction>;
  private readonly paired: Batcher<[string, string], Prediction>;
  private readonly masked: Batcher<{ text: string; topK: number }, FillMaskResult>;
  private readonly embedded: Batcher<string, number[]>;

  constructor(
    readonly model: ServedModel,
    options: BatchOptions,
  ) {
    const predict = (texts: string[], pairs?: string[]) => {
      if (!model.predict) throw new ModelInputError(`this model is ${article(model.kind)} ${model.kind}, which has no predict`, 'use fill-mask for pretrained encoders');
      return model.predict(texts, pairs);
    };
    this.single = new Batcher((texts) => predict(texts), options);
    this.paired = new Batcher((items) => predict(items.map((i) => i[0]), items.map((i) => i[1])), options);
    this.masked = new Batcher(async (items) => {
      if (!model.fillMask) throw new ModelInputError(`this model is ${article(model.kind)} ${model.kind}, which has no fill-mask`, 'use predict for classifiers');
      // One pass at the largest top_k asked for; each text keeps as many candidates as its request wanted.
      const topK = Math.max(...items.map((i) => i.topK));
      const results = await model.fillMask(items.map((i) => i.text), topK);
      return results.map((r, n) => ({ masks: r.masks.map((m) => ({ ...m, candidates: m.candidates.slice(0, items[n]!.topK) })) }));
    }, options);
    this.embedded = new Batcher((texts) => {
      if (!model.embed) throw new ModelInputError(`this model (${article(model.kind)} ${model.kind}) has no embed`);
      return model.embed(texts);
    }, options);
  }

  predict(texts: string[], pairs?: string[]): Promise<Prediction[]> {
    this.model.validate?.(texts, 'predict');
    if (pairs === undefined) return this.single.submit(texts);
    return this.paired.submit(texts.map((t, i) => [t, pairs[i]!]));
  }

  fillMask(texts: string[], topK: number): Promise<FillMaskResult[]> {
    this.model.validate?.(texts, 'fill-mask');
    return this.masked.submit(texts.map((text) => ({ text, topK })));
  }

  embed(texts: string[]): Promise<number[][]> {
    this.model.validate?.(texts, 'embed');
    return this.embedded.submit(texts);
  }

  /** Forward passes so far, over all four batchers. */
  get passes(): number {
    return this.single.passes + this.paired.passes + this.masked.passes + this.embedded.passes;
  }

  get idle(): boolean {
    return this.single.idle && this.paired.idle && this.masked.idle && this.embedded.idle;
  }
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}
