import { describe, expect, it } from 'vitest';

import { loadCatalog } from '../../../compiler/catalog';
import { stepDefaults } from '../../../compiler/step-inputs';
import { bertConfig } from '../../../nlp/bert/config';
import { finetuneConfig, type FinetuneSettings } from '../../../nlp/finetune/config';
import { encodeText, truncatePair } from '../../../nlp/finetune/examples';
import { collate } from '../../../nlp/finetune/batch';
import { fixtureTokenizer } from './helpers';

const settings: FinetuneSettings = stepDefaults('bert/finetune@v1');
const tiny = stepDefaults('bert/pretrain@v1').model;
const shape = { vocabSize: 23, encoder: { fromScratch: tiny }, trainExamples: 100, numLabels: 3 };

describe('finetuneConfig', () => {
  it('takes the schema\'s defaults: 3 epochs of ceil(100/32) = 4 steps, 10% warmup, lr 5e-4, BERT-tiny from scratch', () => {
    const c = finetuneConfig(settings, shape);
    expect(c.training).toMatchObject({ epochs: 3, batch_size: 32, max_seq_length: 128, early_stopping: { patience: 2, metric: 'accuracy' }, eval_every: 0 });
    expect(c.optimizer).toMatchObject({ learning_rate: 5e-4, total_steps: 12, warmup_steps: 1, weight_decay: 0.01 });
    expect(c.model).toMatchObject({ vocab_size: 23, hidden_size: 128, num_layers: 2 });
    expect(c).toMatchObject({ from_scratch: true, num_labels: 3 });
  });

  it('from scratch, has the architecture defaults of bert/pretrain@v1 (both take the type of one)', () => {
    const branch = (loadCatalog().get('bert/finetune@v1')!.schema.properties.model.oneOf as { properties?: { from_scratch?: { properties: object } } }[])[1]!;
    const defaults = Object.fromEntries(Object.entries(branch.properties!.from_scratch!.properties).map(([k, s]) => [k, (s as { default: unknown }).default]));
    expect(defaults).toEqual(tiny);
  });

  it('rejects a tokenizer whose size is not the pretrained model\'s vocab_size, naming both', () => {
    const pretrained = bertConfig(tiny, 30);
    expect(() => finetuneConfig(settings, { ...shape, encoder: { pretrained } })).toThrow(
      "tokenizer: the tokenizer has 23 tokens but the model's vocab_size is 30",
    );
  });

  it('rejects max_seq_length beyond a pretrained model\'s positions, with the fix', () => {
    const pretrained = bertConfig({ ...tiny, max_position_embeddings: 64 }, 23);
    expect(() => finetuneConfig(settings, { ...shape, encoder: { pretrained } })).toThrow(
      "max_seq_length 128 exceeds the model's max_position_embeddings 64; set max_seq_length to at most 64",
    );
  });

  it('rejects data a classifier cannot learn from, and a warmup longer than training', () => {
    expect(() => finetuneConfig(settings, { ...shape, numLabels: 1 })).toThrow('labels: a classifier needs at least 2 labels');
    expect(() => finetuneConfig(settings, { ...shape, trainExamples: 0 })).toThrow('train: the training split has no examples');
    expect(() => finetuneConfig({ ...settings, optimizer: { ...settings.optimizer, warmup_steps: 13 } }, shape)).toThrow(
      /^optimizer\.warmup_steps 13 exceeds the 12 steps of training/,
    );
  });
});

describe('examples', () => {
  it('truncate pairs as google-research/bert: pop from the longer, the second on a tie', () => {
    const a = [1, 2, 3, 4, 5, 6];
    const b = [7, 8, 9];
    truncatePair(a, b, 6);
    expect([a, b]).toEqual([[1, 2, 3], [7, 8, 9]]);
    const c = [1, 2, 3];
    const d = [4, 5, 6];
    truncatePair(c, d, 4);
    expect([c, d]).toEqual([[1, 2], [4, 5]]);
  });

  it('encode [CLS] text [SEP] pair [SEP] within max_seq_length, and pad a batch to its longest example', () => {
    const tok = fixtureTokenizer();
    const { cls, sep, pad } = tok.specialIds;
    const id = (w: string) => tok.vocab.id(w);
    expect(encodeText(tok, 5, 'good movie was nice')).toEqual({ ids: [cls, id('good'), id('movie'), id('was'), sep], segmentIds: [0, 0, 0, 0, 0] });
    expect(encodeText(tok, 7, 'good movie was', 'bad plot')).toEqual({
      ids: [cls, id('good'), id('movie'), sep, id('bad'), id('plot'), sep],
      segmentIds: [0, 0, 0, 0, 1, 1, 1],
    });
    const batch = collate([{ ...encodeText(tok, 8, 'good'), label: 1 }, { ...encodeText(tok, 8, 'bad plot', 'sad'), label: 0 }], pad);
    expect(batch).toMatchObject({ batchSize: 2, seqLength: 6 });
    expect([...batch.inputIds]).toEqual([cls, id('good'), sep, pad, pad, pad, cls, id('bad'), id('plot'), sep, id('sad'), sep]);
    expect([...batch.inputMask]).toEqual([1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
    expect([...batch.segmentIds]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
    expect([...batch.labels]).toEqual([1, 0]);
  });
});
